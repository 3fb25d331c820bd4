/**
 * The Lua scripts of the Redis robot gate (./redis-window-gate.ts) and of publish order
 * (./publish-order.ts). Each call is one script, so check-and-reserve is atomic; time is Redis's
 * clock (TIME), one clock for every instance.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** "ticket job" → ticket */
const TICKET = `local function ticketOf(m) return string.match(m, '^[^ ]+') end`;

/** Makes a key live at least ms more (never shortens it: other members may need it longer). */
const EXTEND = `local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end`;

/** A ticket keeps its place in an order line until `at`; a later claim never shortens an earlier one. */
const KEEP_PLACE = `${EXTEND}
local function keepPlace(line, member, at, keep)
  local cur = tonumber(redis.call('ZSCORE', line, member))
  if not cur or cur < at then redis.call('ZADD', line, at, member) end
  extend(line, at - now + keep)
end`;

/** How many members of the sorted set have a ticket older than `ticket`. */
const OLDER = `local function olderIn(set, ticket)
  local n = 0
  for _, other in ipairs(redis.call('ZRANGE', set, 0, -1)) do
    if ticketOf(other) < ticket then n = n + 1 end
  end
  return n
end`;

/**
 * A ticket behind others in line looks again after RECHECK_MS plus this much per ticket ahead of
 * it (RECHECK_DEEP_MS at most). Its turn comes by a hand-off (./hand-off.ts) or a wake from
 * whoever is ahead, not by looking: a look before its turn only costs a queue round trip.
 */
export const RECHECK_PER_AHEAD_MS = 25;
export const RECHECK_DEEP_MS = 10_000;

/**
 * KEYS: lane, waiters, full, seq, line, left, peek (the lane key: none), then slots_i, blocked_i per robot.
 * ARGV: ticket, job, graceMs, recheckMs, leaseMs, keepMs, lineGraceMs (0: no order line), nWindows, max1, perMs1, ...
 * Returns {1, slotId, robotIndex(0-based), waitedForWindow[, value of peek]}, {0, waitMs}, or {2, msLeft} for a
 * ticket that left its line a moment ago (it ended, or a digest carries it) while this step of it
 * ran: it must not take a place again. Mirrors
 * MemoryWindowGate.acquire, and also makes a ticket wait behind an older one in its subscription's
 * order line (enlisted at publish, perhaps not at the gate yet); one far back in line looks again
 * later than one next in line (RECHECK_PER_AHEAD_MS).
 */
export const ACQUIRE = `${NOW}
${TICKET}
${KEEP_PLACE}
${OLDER}
local lane, waiters, full, seq, line, left, peek = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local ticket, job = ARGV[1], ARGV[2]
local grace, recheck, lease, keep, lineGrace = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local nw = tonumber(ARGV[8])
local member = ticket .. ' ' .. job
local useLine = lineGrace > 0
redis.call('ZREMRANGEBYSCORE', left, '-inf', '(' .. now)
local gone = tonumber(redis.call('ZSCORE', left, member))
if gone then return {2, gone - now + 1} end
redis.call('ZREMRANGEBYSCORE', waiters, '-inf', '(' .. now)
if useLine then redis.call('ZREMRANGEBYSCORE', line, '-inf', '(' .. now) end
local longest = 0
for i = 0, nw - 1 do longest = math.max(longest, tonumber(ARGV[10 + 2 * i])) end
local chosen = -1
local windowWait = -1
local robots = (#KEYS - 7) / 2
for r = 0, robots - 1 do
  local slots, blocked = KEYS[8 + 2 * r], KEYS[9 + 2 * r]
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now - longest)
  local wait = math.max(0, (tonumber(redis.call('GET', blocked)) or 0) - now)
  for i = 0, nw - 1 do
    local max, per = tonumber(ARGV[9 + 2 * i]), tonumber(ARGV[10 + 2 * i])
    local count = redis.call('ZCOUNT', slots, '(' .. (now - per), '+inf')
    if count >= max then
      local leaving = redis.call('ZRANGEBYSCORE', slots, '(' .. (now - per), '+inf', 'WITHSCORES', 'LIMIT', count - max, 1)
      wait = math.max(wait, tonumber(leaving[2]) + per - now + 1)
    end
  end
  if wait == 0 and chosen < 0 then chosen = r end
  if windowWait < 0 or wait < windowWait then windowWait = wait end
end
if chosen >= 0 or windowWait < 0 then windowWait = 0 end
local busy = redis.call('PTTL', lane)
if busy < 0 then busy = 0 end
local ahead = olderIn(waiters, ticket)
if useLine then ahead = math.max(ahead, olderIn(line, ticket)) end
local older = ahead > 0
local wasFull = redis.call('SISMEMBER', full, member)
if chosen >= 0 and busy == 0 and not older then
  redis.call('ZREM', waiters, member)
  redis.call('SREM', full, member)
  local id = redis.call('INCR', seq)
  local slots = KEYS[8 + 2 * chosen]
  redis.call('ZADD', slots, now, id)
  redis.call('PEXPIRE', slots, longest + keep)
  redis.call('PEXPIRE', seq, longest + keep)
  redis.call('SET', lane, job, 'PX', lease)
  -- in flight: it keeps its place in its line until it leaves, or its sender's lease lapses
  if useLine then keepPlace(line, member, now + lease + lineGrace, keep) end
  -- what the record says now that the lane is taken (a runner that sent before has written it)
  if peek ~= lane then return {1, id, chosen, wasFull, redis.call('GET', peek)} end
  return {1, id, chosen, wasFull}
end
local wait = windowWait
if busy > 0 then wait = math.max(windowWait, math.min(busy, recheck))
elseif older then wait = math.max(windowWait, math.min(recheck + (ahead - 1) * ${RECHECK_PER_AHEAD_MS}, math.max(recheck, ${RECHECK_DEEP_MS}))) end
redis.call('ZADD', waiters, now + wait + grace, member)
extend(waiters, wait + grace + keep)
if useLine then keepPlace(line, member, now + wait + lineGrace, keep) end
if chosen < 0 then
  redis.call('SADD', full, member)
  extend(full, wait + grace + keep)
end
return {0, wait}`;

/** KEYS: lane, slots. ARGV: slot id, sent (1/0). Frees the lane; counts the slot from now (never earlier), or drops it. */
export const SETTLE = `${NOW}
redis.call('DEL', KEYS[1])
if ARGV[2] == '0' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
local at = redis.call('ZSCORE', KEYS[2], ARGV[1])
if at and tonumber(at) < now then redis.call('ZADD', KEYS[2], 'XX', now, ARGV[1]) end
return 0`;

/** KEYS: blocked. ARGV: ms. Holds the robot until now + ms (extends, never shortens). */
export const BLOCK = `${NOW}
local untilAt = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1])) or 0
if untilAt > cur then redis.call('SET', KEYS[1], untilAt, 'PX', tonumber(ARGV[1])) end
return 0`;

/**
 * KEYS: waiters, line (or none). ARGV: member, ms, graceMs, keepMs, lineGraceMs.
 * Keeps a ticket's place on the lane until now + ms + grace, and in its line until now + ms + lineGrace.
 */
export const HOLD = `${NOW}
${KEEP_PLACE}
local ms, grace, keep = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + ms + grace, ARGV[1])
extend(KEYS[1], ms + grace + keep)
if KEYS[2] then keepPlace(KEYS[2], ARGV[1], now + ms + tonumber(ARGV[5]), keep) end
return 0`;

/**
 * KEYS: waiters, full, left, then each member's order line (or the waiters key: none).
 * ARGV: leftMs, keepMs, then the members. Takes tickets out of line, and refuses them a place for
 * leftMs more (a step of theirs that began before may still be running).
 */
export const LEAVE = `${NOW}
${EXTEND}
local waiters, full, left = KEYS[1], KEYS[2], KEYS[3]
local leftMs, keep = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 3, #ARGV do
  local m = ARGV[i]
  redis.call('ZREM', waiters, m)
  redis.call('SREM', full, m)
  redis.call('ZREM', KEYS[i + 1], m)
  redis.call('ZADD', left, now + leftMs, m)
end
extend(left, leftMs + keep)
return 0`;

/**
 * A step ended, in one round trip: SETTLE (when ARGV[1] names a slot), LEAVE for its one member,
 * then the first member (oldest ticket, then job) left on the lane and in the order line.
 * KEYS: lane, slots, waiters, full, left, line (or the waiters key: none).
 * ARGV: slot id (or ''), leftMs, keepMs, member, key prefix of the records (or '').
 * Returns {laneFirst or false, lineFirst or false, the record of the older of the two or false}.
 */
export const HAND_OVER = `${NOW}
${EXTEND}
${TICKET}
local lane, slots, waiters, full, left, line = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local slot, leftMs, keep, member = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if slot ~= '' then
  redis.call('DEL', lane)
  local at = redis.call('ZSCORE', slots, slot)
  if at and tonumber(at) < now then redis.call('ZADD', slots, 'XX', now, slot) end
end
redis.call('ZREM', waiters, member)
redis.call('SREM', full, member)
redis.call('ZREM', line, member)
redis.call('ZADD', left, now + leftMs, member)
extend(left, leftMs + keep)
-- a member is "ticket job", or the ticket alone when both are one
local function jobOf(m, t)
  local j = string.sub(m, #t + 2)
  if j == '' then return t end
  return j
end
local function first(set)
  redis.call('ZREMRANGEBYSCORE', set, '-inf', '(' .. now)
  local best, bt, bj = false, nil, nil
  for _, m in ipairs(redis.call('ZRANGE', set, 0, -1)) do
    local t = ticketOf(m)
    local j = jobOf(m, t)
    if not best or t < bt or (t == bt and j < bj) then best, bt, bj = m, t, j end
  end
  return best
end
local onLane, onLine = first(waiters), false
if line ~= waiters then onLine = first(line) end
local next = onLane
if onLine and (not next or onLine < next) then next = onLine end
local record = false
if next and ARGV[5] ~= '' then record = redis.call('GET', ARGV[5] .. jobOf(next, ticketOf(next))) end
return {onLane, onLine, record}`;

/** KEYS: waiters, then order lines. Drops lapsed claims, returns the members left in all of them. */
export const WAITERS = `${NOW}
local out = {}
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. now)
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do table.insert(out, m) end
end
return out`;

/**
 * Publish order: gives a publish its message id and enlists its deliveries in their subscriptions'
 * order lines, in one step, so an id issued later is never ahead of it in any line.
 * KEYS: clock, then one order line per delivery. ARGV: random suffix, lineGraceMs, keepMs, then
 * the delivery index per line. Returns {id, then how many stand in each line ahead of it}. The id is ./ids.ts's format (prefix, time, counter, random) on
 * Redis's clock, never going back: ids sort in the order they were issued, across instances.
 */
export const ISSUE = `${NOW}
${EXTEND}
local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
local function b36(x, width)
  local s = ''
  repeat
    local d = x % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    x = math.floor(x / 36)
  until x == 0
  return string.rep('0', width - #s) .. s
end
local last = redis.call('HMGET', KEYS[1], 'ms', 'n')
local ms, n = tonumber(last[1]) or 0, tonumber(last[2]) or 0
if now > ms then ms, n = now, 0 else n = n + 1 end
if n >= 46656 then ms, n = ms + 1, 0 end
redis.call('HSET', KEYS[1], 'ms', ms, 'n', n)
local id = 'm' .. b36(ms, 9) .. b36(n, 3) .. ARGV[1]
local grace, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {id}
for i = 2, #KEYS do
  local d = id .. '.' .. string.format('%05d', tonumber(ARGV[i + 2]))
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. now)
  table.insert(out, redis.call('ZCARD', KEYS[i]))
  redis.call('ZADD', KEYS[i], now + grace, d .. ' ' .. d)
  extend(KEYS[i], grace + keep)
end
return out`;

/** KEYS: order lines. ARGV: lineGraceMs, keepMs, then one member per line. Enlists more deliveries of a publish. */
export const ENLIST = `${NOW}
${EXTEND}
local grace, keep = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + grace, ARGV[i + 2])
  extend(KEYS[i], grace + keep)
end
return 0`;

/**
 * Publish order across instances, at the gate itself (real Redis): ids issued in one step with the
 * deliveries' places in their subscriptions' order lines, and a gate that lets a ticket go only
 * when no older one stands in its line, whether that one has reached the gate or not.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENLIST_CHUNK, RedisPublishOrder } from '../../src/delivery/publish-order.js';
import { lineKey, RedisWindowGate } from '../../src/delivery/redis-window-gate.js';
import { idTime } from '../../src/store/ids.js';
import { deliveryId } from '../../src/store/indexes.js';
import { dropPrefix, randomPrefix, REDIS_URL, redisMissing } from './support.js';

const missing = await redisMissing();
const ROOMY = [{ max: 100, perMs: 60_000 }];

describe.skipIf(missing)('publish order in Redis', () => {
  const prefix = randomPrefix();
  let one: Redis;
  let two: Redis;
  let orderA: RedisPublishOrder;
  let orderB: RedisPublishOrder;
  let gate: RedisWindowGate;

  beforeAll(() => {
    one = new Redis(REDIS_URL);
    two = new Redis(REDIS_URL);
    orderA = new RedisPublishOrder(one, prefix);
    orderB = new RedisPublishOrder(two, prefix);
    gate = new RedisWindowGate(one, prefix);
  });
  afterAll(async () => {
    one?.disconnect();
    two?.disconnect();
    await dropPrefix(prefix);
  });

  /** Takes the lane for a delivery of subscription `sub`, sends nothing, frees it and leaves. */
  const take = async (lane: string, d: string, sub?: string) => gate.acquire(lane, [lane], ROOMY, d, d, sub);
  const done = async (lane: string, d: string, slot: string, sub?: string) => {
    await gate.settle(lane, lane, slot, true);
    await gate.leave(lane, [{ ticket: d, job: d, line: sub }]);
  };

  it('issues ids that sort in the order they were issued, across connections, in the ids format', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await (i % 2 ? orderA : orderB).issue([]));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^m[0-9a-z]{12}[0-9a-f]{10}$/);
    expect(Math.abs(idTime(ids.at(-1)!) - Date.now())).toBeLessThan(5_000);
  });

  it('makes a younger delivery wait for an older one enlisted at publish that has not reached the gate', async () => {
    const a = deliveryId(await orderA.issue([{ index: 0, subscriptionId: 's1' }]), 0);
    const b = deliveryId(await orderB.issue([{ index: 0, subscriptionId: 's1' }]), 0);
    expect((await take('robot-1', b, 's1')).ok).toBe(false);
    // the line names both, though only b has been at the gate
    expect((await gate.waiters('robot-1', 's1')).map((w) => w.job)).toEqual([a, b]);
    const got = await take('robot-1', a, 's1');
    expect(got.ok).toBe(true);
    await done('robot-1', a, (got as { slot: string }).slot, 's1');
    const next = await take('robot-1', b, 's1');
    expect(next.ok).toBe(true);
    await done('robot-1', b, (next as { slot: string }).slot, 's1');
    expect(await gate.waiters('robot-1', 's1')).toEqual([]);
  });

  it('orders each subscription by its own line only', async () => {
    const a = deliveryId(await orderA.issue([{ index: 0, subscriptionId: 's2' }]), 0);
    const b = deliveryId(await orderB.issue([{ index: 0, subscriptionId: 's3' }]), 0);
    const got = await take('robot-3', b, 's3');
    expect(got.ok).toBe(true);
    await done('robot-3', b, (got as { slot: string }).slot, 's3');
    // without a line, a ticket ignores every order line
    const c = deliveryId(await orderA.issue([{ index: 0, subscriptionId: 's2' }]), 0);
    const free = await take('robot-2', c);
    expect(free.ok).toBe(true);
    await done('robot-2', c, (free as { slot: string }).slot);
    await gate.leave('robot-2', [{ ticket: a, job: a, line: 's2' }, { ticket: c, job: c, line: 's2' }]);
  });

  it('frees the line when a publish withdraws what it enlisted', async () => {
    const enlisted = [{ index: 0, subscriptionId: 's4' }];
    const m = await orderA.issue(enlisted);
    const b = deliveryId(await orderB.issue(enlisted), 0);
    expect((await take('robot-4', b, 's4')).ok).toBe(false);
    await orderA.withdraw(m, enlisted);
    const got = await take('robot-4', b, 's4');
    expect(got.ok).toBe(true);
    await done('robot-4', b, (got as { slot: string }).slot, 's4');
  });

  it('keeps a delivery in flight in its line until it leaves, even on another lane, though it was never enlisted', async () => {
    const a = deliveryId(await orderA.issue([]), 0);
    const b = deliveryId(await orderB.issue([{ index: 0, subscriptionId: 's5' }]), 0);
    const got = await take('robot-5a', a, 's5');
    expect(got.ok).toBe(true);
    expect((await take('robot-5b', b, 's5')).ok).toBe(false);
    await done('robot-5a', a, (got as { slot: string }).slot, 's5');
    const next = await take('robot-5b', b, 's5');
    expect(next.ok).toBe(true);
    await done('robot-5b', b, (next as { slot: string }).slot, 's5');
  });

  it('puts a held ticket (a digest, a retry) in its line: younger ones wait behind it', async () => {
    const a = deliveryId(await orderA.issue([]), 0);
    const b = deliveryId(await orderB.issue([{ index: 0, subscriptionId: 's6' }]), 0);
    await gate.hold('robot-6a', { ticket: a, job: 'digest-1', line: 's6' }, 0);
    expect((await take('robot-6b', b, 's6')).ok).toBe(false);
    await gate.leave('robot-6a', [{ ticket: a, job: 'digest-1', line: 's6' }]);
    const got = await take('robot-6b', b, 's6');
    expect(got.ok).toBe(true);
    await done('robot-6b', b, (got as { slot: string }).slot, 's6');
  });

  it('refuses a place to a ticket that left its line (ended, or carried by a digest) while a step of it ran', async () => {
    const a = deliveryId(await orderA.issue([{ index: 0, subscriptionId: 's7' }]), 0);
    await gate.leave('robot-7', [{ ticket: a, job: a, line: 's7' }]);
    const got = await take('robot-7', a, 's7');
    expect(got).toMatchObject({ ok: false, left: true });
    expect((got as { waitMs: number }).waitMs).toBeGreaterThan(0);
    // it took no place back: a younger one goes
    expect(await gate.waiters('robot-7', 's7')).toEqual([]);
    const b = deliveryId(await orderB.issue([{ index: 0, subscriptionId: 's7' }]), 0);
    const next = await take('robot-7', b, 's7');
    expect(next.ok).toBe(true);
    await done('robot-7', b, (next as { slot: string }).slot, 's7');
  });

  it('enlists every delivery of a fan-out larger than one step', async () => {
    const deliveries = Array.from({ length: ENLIST_CHUNK + 2 }, (_, i) => ({ index: i, subscriptionId: `big-${i}` }));
    const m = await orderA.issue(deliveries);
    for (const i of [0, ENLIST_CHUNK - 1, ENLIST_CHUNK, ENLIST_CHUNK + 1]) {
      const d = deliveryId(m, i);
      expect(await one.zscore(lineKey(prefix, `big-${i}`), `${d} ${d}`)).not.toBeNull();
    }
    await orderA.withdraw(m, deliveries);
    expect(await one.zcard(lineKey(prefix, `big-${ENLIST_CHUNK + 1}`))).toBe(0);
  });
});

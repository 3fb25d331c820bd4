/**
 * Writing a publish's deliveries. A small fan-out is one transaction with its message, as always. A
 * large one is written in batches of FAN_OUT_BATCH deliveries, each committed, then handed to the
 * queue, so memory holds one batch of records (and the plan's compact entries), not 100,000.
 *
 * Durability: the first transaction holds the message and a fan-out record (`fanout:<messageId>`,
 * listed in the `fanouts` set) with one compact entry per delivery to create. The publish is
 * answered 202 only after the last batch and the removal of that record. If the process dies in
 * between (kill -9), the record survives: at the next start `resumeFanOuts` creates every delivery
 * of it that is missing (ids are the entry's index, so nothing is created twice and no delivery
 * already under way is touched), queues them, and removes it. An Idempotency-Key retry of that
 * publish is answered with the first message, which is then complete.
 *
 * A store error after the first transaction (a locked or full disk, a Redis failover) does not fail
 * the publish: the fan-out record already holds every delivery to create, so the message is durably
 * accepted. The rest is written in the background (`complete`), retried with a doubling wait and a
 * log line each time until it goes through, from the batch that failed on, creating only what is
 * missing; a stop meanwhile leaves the record for the next start.
 */
import type { DeliveryQueue } from '../delivery/queue.js';
import type { Logger } from '../log.js';
import { type DeliveryRecord, type DeliveryStatus, deliveryId, type MessageRecord, type MessageRepo } from '../store/messages.js';
import type { Store } from '../store/store.js';

/** Deliveries per transaction in a large fan-out. */
export const FAN_OUT_BATCH = 1_000;
const FANOUTS = 'fanouts';
const fanOutKey = (messageId: string) => `fanout:${messageId}`;

/**
 * One delivery to create, as the plan decided it: [subscription id, protocol, status, variant,
 * releaseAt, failure]. Tuples, because a 100,000-delivery record is written as one value.
 */
export type FanOutEntry = [string, string, DeliveryStatus | 'muted' | 'held', number?, number?, string?];

/** A fan-out being written: its entries read one at a time from the stored form (no 100,000 tuples held). */
interface FanOutRecord {
  messageId: string;
  topic: string;
  createdAt: string;
  length: number;
  at(index: number): FanOutEntry;
}

/** An entry without its subscription: most fan-outs have one or a few distinct ones. */
type Kind = [string, FanOutEntry[2], number?, number?, string?];

/**
 * The record as stored: the subscription ids joined by spaces, the distinct rest of the entries
 * (`kinds`) and runs of them (`runs`: kind, count, kind, count …). A 100,000-delivery record is
 * then ~2 MB of one string instead of 100,000 tuples (~5 MB of JSON, three copies of it while it
 * is written). `entries`: a record written in the first format, read as it is.
 */
interface StoredFanOut {
  messageId: string;
  topic: string;
  createdAt: string;
  entries?: FanOutEntry[];
  subs?: string;
  kinds?: Kind[];
  runs?: number[];
}

function encode(messageId: string, topic: string, createdAt: string, entries: FanOutEntry[]): StoredFanOut {
  if (entries.some((e) => e[0].includes(' '))) return { messageId, topic, createdAt, entries }; // ids never hold one; kept whole then
  const kinds: Kind[] = [];
  const index = new Map<string, number>();
  const runs: number[] = [];
  for (const e of entries) {
    const key = `${e[1]}\u0000${e[2]}\u0000${e[3] ?? ''}\u0000${e[4] ?? ''}\u0000${e[5] ?? ''}`;
    let k = index.get(key);
    if (k === undefined) {
      k = kinds.length;
      kinds.push(e.slice(1) as Kind);
      index.set(key, k);
    }
    if (runs.length > 0 && runs[runs.length - 2] === k) runs[runs.length - 1]! += 1;
    else runs.push(k, 1);
  }
  return { messageId, topic, createdAt, subs: entries.map((e) => e[0]).join(' '), kinds, runs };
}

/**
 * The entries of a stored record, made one at a time: where each id starts in `subs` and which kind
 * it has (8 bytes a delivery, outside the JS heap), so a batch makes only its own 1,000 tuples.
 */
export function decode(stored: StoredFanOut): FanOutRecord {
  const { messageId, topic, createdAt } = stored;
  const whole = stored.entries;
  if (whole) return { messageId, topic, createdAt, length: whole.length, at: (i) => whole[i]! };
  const subs = stored.subs ?? '';
  const kinds = stored.kinds ?? [];
  const runs = stored.runs ?? [];
  let length = 0;
  for (let r = 1; r < runs.length; r += 2) length += runs[r]!;
  const kindOf = new Uint32Array(length);
  for (let r = 0, i = 0; r < runs.length; i += runs[r + 1]!, r += 2) kindOf.fill(runs[r]!, i, i + runs[r + 1]!);
  // starts[i]: where id i begins; starts[length]: one past the end (as if a space followed the last)
  const starts = new Uint32Array(length + 1);
  for (let i = 0, pos = 0; i < length; i++) {
    starts[i] = pos;
    const space = subs.indexOf(' ', pos);
    pos = space === -1 ? subs.length + 1 : space + 1;
  }
  starts[length] = subs.length + 1;
  return {
    messageId,
    topic,
    createdAt,
    length,
    at: (i) => [subs.slice(starts[i]!, starts[i + 1]! - 1), ...kinds[kindOf[i]!]!] as FanOutEntry,
  };
}

/** What a fan-out's record stores, and the view its batches read (exported for the unit test). */
export const packFanOut = encode;

export interface FanOutDeps {
  store: Store;
  messages: MessageRepo;
  queue: DeliveryQueue;
  log?: Logger;
  /** true once the process is stopping: a background completion stops retrying (the next start completes it) */
  stopped?: () => boolean;
  /** the first wait after a store error, doubling up to FAN_OUT_RETRY_MAX_MS (tests shorten it) */
  retryMs?: number;
}

/** The first wait before writing the rest of a fan-out again after a store error; it doubles each time. */
export const FAN_OUT_RETRY_MS = 250;
/** ... up to this. */
export const FAN_OUT_RETRY_MAX_MS = 30_000;

function record(messageId: string, topic: string, createdAt: string, entry: FanOutEntry, index: number): DeliveryRecord {
  const [subscriptionId, protocol, status, variant, releaseAt, failure] = entry;
  return {
    id: deliveryId(messageId, index),
    messageId,
    topic,
    subscriptionId,
    protocol,
    status: status as DeliveryStatus,
    attempts: 0,
    partsDone: 0,
    ...(variant ? { variant } : {}),
    ...(releaseAt ? { releaseAt } : {}),
    ...(failure ? { lastError: failure, lastCode: 'template_budget_exceeded' } : {}),
    updatedAt: createdAt,
  };
}

/**
 * Commits deliveries [from, to) of the entries (with `skipExisting`, only those not written yet),
 * then queues the pending ones. `requeue`: after an error in this process, a batch may have been
 * committed but not queued: its pending deliveries that exist are queued again too (a queued or
 * running delivery is not run twice for it).
 */
async function writeBatch(deps: FanOutDeps, fo: FanOutRecord, from: number, to: number, skipExisting: boolean, requeue = false): Promise<void> {
  const all: DeliveryRecord[] = [];
  for (let i = from; i < to; i++) all.push(record(fo.messageId, fo.topic, fo.createdAt, fo.at(i), i));
  let batch = all;
  let queued = all;
  if (skipExisting) {
    const found = await deps.store.getMany<DeliveryRecord>(all.map((d) => `dlv:${d.id}`));
    batch = all.filter((_, k) => found[k] === undefined);
    queued = requeue ? all.filter((_, k) => found[k] === undefined || found[k]!.status === 'pending') : batch;
  }
  if (batch.length > 0) await deps.store.batch(deps.messages.deliveryOps(batch));
  const runAt = Date.now();
  await deps.queue.enqueue(queued.filter((d) => d.status === 'pending').map((d) => ({ id: d.id, runAt })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Writes the rest of a fan-out from batch `from` on, retrying after each store error, then removes its record. */
async function complete(deps: FanOutDeps, fo: FanOutRecord, from: number): Promise<void> {
  const n = fo.length;
  let wait = deps.retryMs ?? FAN_OUT_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    await sleep(wait);
    if (deps.stopped?.()) return;
    try {
      for (; from < n; from += FAN_OUT_BATCH) await writeBatch(deps, fo, from, Math.min(n, from + FAN_OUT_BATCH), true, true);
      await finish(deps.store, fo.messageId);
      deps.log?.info('completed a fan-out after a store error', { messageId: fo.messageId, deliveries: n, attempts: attempt });
      return;
    } catch (err) {
      wait = Math.min(wait * 2, FAN_OUT_RETRY_MAX_MS);
      deps.log?.warn('a fan-out could not be completed yet; retrying', { messageId: fo.messageId, written: from, deliveries: n, attempt, retryInMs: wait, err });
    }
  }
}

/**
 * Writes the message and all its deliveries durably; resolves when every one is committed and queued.
 * A large fan-out holds on to the stored form only, not to `entries` (the caller lets go of it too).
 */
export function fanOut(deps: FanOutDeps, msg: MessageRecord, entries: FanOutEntry[], lookIn?: ReadonlyMap<number, number>): Promise<void> {
  if (entries.length <= FAN_OUT_BATCH) return fanOutAtOnce(deps, msg, entries, lookIn);
  return fanOutInBatches(deps, msg, encode(msg.id, msg.topic, msg.createdAt, entries));
}

/** `lookIn`: delivery index → ms before its job first runs (Redis mode: one far back in its line, src/delivery/publish-order.ts firstLookMs) */
async function fanOutAtOnce(deps: FanOutDeps, msg: MessageRecord, entries: FanOutEntry[], lookIn?: ReadonlyMap<number, number>): Promise<void> {
  const deliveries = entries.map((e, i) => record(msg.id, msg.topic, msg.createdAt, e, i));
  await deps.store.batch(deps.messages.createOps(msg, deliveries));
  const now = Date.now();
  await deps.queue.enqueue(deliveries.flatMap((d, i) => (d.status === 'pending' ? [{ id: d.id, runAt: now + (lookIn?.get(i) ?? 0) }] : [])));
}

async function fanOutInBatches(deps: FanOutDeps, msg: MessageRecord, stored: StoredFanOut): Promise<void> {
  await deps.store.batch([
    ...deps.messages.createOps(msg, []),
    { op: 'set', key: fanOutKey(msg.id), value: stored },
    { op: 'sadd', set: FANOUTS, member: msg.id },
  ]);
  const fo = decode(stored);
  let from = 0;
  try {
    for (; from < fo.length; from += FAN_OUT_BATCH) await writeBatch(deps, fo, from, Math.min(fo.length, from + FAN_OUT_BATCH), false);
    await finish(deps.store, msg.id);
  } catch (err) {
    // the record is durable: the message is accepted, and the rest is written in the background
    deps.log?.warn('a store error cut a fan-out short; writing the rest in the background', { messageId: msg.id, written: from, deliveries: fo.length, err });
    if (!deps.stopped?.()) void complete(deps, fo, from);
  }
}

const finish = (store: Store, messageId: string) =>
  store.batch([
    { op: 'del', key: fanOutKey(messageId) },
    { op: 'srem', set: FANOUTS, member: messageId },
  ]);

/** Completes every fan-out a previous process left unfinished (at start, before the queue resumes). */
export async function resumeFanOuts(deps: FanOutDeps & { log: Logger }): Promise<number> {
  const ids = await deps.store.smembers(FANOUTS);
  let created = 0;
  for (const id of ids) {
    const stored = await deps.store.get<StoredFanOut>(fanOutKey(id));
    if (stored) {
      const fo = decode(stored);
      deps.log.info('completing an interrupted fan-out', { messageId: id, deliveries: fo.length });
      for (let from = 0; from < fo.length; from += FAN_OUT_BATCH) {
        await writeBatch(deps, fo, from, Math.min(fo.length, from + FAN_OUT_BATCH), true);
      }
      created += fo.length;
    }
    await finish(deps.store, id);
  }
  return created;
}

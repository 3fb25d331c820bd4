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

interface FanOutRecord {
  messageId: string;
  topic: string;
  createdAt: string;
  entries: FanOutEntry[];
}

export interface FanOutDeps {
  store: Store;
  messages: MessageRepo;
  queue: DeliveryQueue;
}

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

/** Commits deliveries [from, to) of the entries (those not written yet), then queues the pending ones. */
async function writeBatch(deps: FanOutDeps, fo: FanOutRecord, from: number, to: number, skipExisting: boolean): Promise<void> {
  let batch: DeliveryRecord[] = [];
  for (let i = from; i < to; i++) batch.push(record(fo.messageId, fo.topic, fo.createdAt, fo.entries[i]!, i));
  if (skipExisting) {
    const found = await deps.store.getMany(batch.map((d) => `dlv:${d.id}`));
    batch = batch.filter((_, k) => found[k] === undefined);
  }
  if (batch.length === 0) return;
  await deps.store.batch(deps.messages.deliveryOps(batch));
  const runAt = Date.now();
  await deps.queue.enqueue(batch.filter((d) => d.status === 'pending').map((d) => ({ id: d.id, runAt })));
}

/** Writes the message and all its deliveries durably; resolves when every one is committed and queued. */
export async function fanOut(deps: FanOutDeps, msg: MessageRecord, entries: FanOutEntry[]): Promise<void> {
  const fo: FanOutRecord = { messageId: msg.id, topic: msg.topic, createdAt: msg.createdAt, entries };
  if (entries.length <= FAN_OUT_BATCH) {
    const deliveries = entries.map((e, i) => record(msg.id, msg.topic, msg.createdAt, e, i));
    await deps.store.batch(deps.messages.createOps(msg, deliveries));
    const runAt = Date.now();
    await deps.queue.enqueue(deliveries.filter((d) => d.status === 'pending').map((d) => ({ id: d.id, runAt })));
    return;
  }
  await deps.store.batch([
    ...deps.messages.createOps(msg, []),
    { op: 'set', key: fanOutKey(msg.id), value: fo },
    { op: 'sadd', set: FANOUTS, member: msg.id },
  ]);
  for (let from = 0; from < entries.length; from += FAN_OUT_BATCH) {
    await writeBatch(deps, fo, from, Math.min(entries.length, from + FAN_OUT_BATCH), false);
  }
  await finish(deps.store, msg.id);
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
    const fo = await deps.store.get<FanOutRecord>(fanOutKey(id));
    if (fo) {
      deps.log.info('completing an interrupted fan-out', { messageId: id, deliveries: fo.entries.length });
      for (let from = 0; from < fo.entries.length; from += FAN_OUT_BATCH) {
        await writeBatch(deps, fo, from, Math.min(fo.entries.length, from + FAN_OUT_BATCH), true);
      }
      created += fo.entries.length;
    }
    await finish(deps.store, id);
  }
  return created;
}

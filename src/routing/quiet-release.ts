/**
 * Releases what quiet hours held. Every few seconds (and at start) it reads the `held` set: for each
 * subscription whose quiet hours have ended (or were cleared) the held deliveries go out as ONE
 * digest delivery; a digest's fate (delivered, failed) is then written back to the deliveries it
 * carries. All state is in the store, so a restart, or another instance in Redis mode, picks up
 * where this one stopped; a per-subscription claim keeps two instances from releasing twice.
 */
import type { Store } from '../store/store.js';
import type { DeliveryRecord, MessageRepo } from '../store/messages.js';
import type { SubscriptionRecord, SubscriptionRepo } from '../store/subscriptions.js';
import { buildDigest } from '../delivery/digest.js';
import type { DeliveryQueue } from '../delivery/queue.js';
import type { Logger } from '../log.js';
import { isMuted } from './plan.js';
import { inQuietHours } from './quiet-hours.js';
import { messageOf } from './variants.js';

export interface QuietReleaseDeps {
  store: Store;
  messages: MessageRepo;
  subscriptions: SubscriptionRepo;
  queue: DeliveryQueue;
  log: Logger;
  /** HERALD_PUBLIC_URL: a shortened message in the digest links to its record */
  publicUrl?: string;
  now?: () => number;
}

export const quietHoursHeader = (n: number) => `Quiet hours: ${n} message${n === 1 ? '' : 's'} held`;

/** How often the held set is looked at. */
export const RELEASE_CHECK_MS = 15_000;
/** A claim on one subscription's release expires after this (a crashed instance's claim frees itself). */
const CLAIM_MS = 60_000;

export function createQuietRelease(deps: QuietReleaseDeps) {
  const { store, messages, subscriptions, queue, log } = deps;
  const now = deps.now ?? Date.now;

  /** Settles the deliveries a finished digest carried. */
  async function settle(digest: DeliveryRecord, carried: DeliveryRecord[]): Promise<void> {
    const at = new Date(now()).toISOString();
    const ops = carried.flatMap((d) => {
      const next: DeliveryRecord = { ...d, status: digest.status as 'delivered' | 'failed', updatedAt: at };
      if (digest.status === 'delivered') next.deliveredAt = digest.deliveredAt ?? at;
      else next.lastError = `the quiet-hours digest ${digest.id} failed: ${digest.lastError ?? 'unknown error'}`;
      return messages.saveOps(next);
    });
    await store.batch(ops);
  }

  async function release(sub: SubscriptionRecord, held: DeliveryRecord[], at: number): Promise<void> {
    const stamp = new Date(at).toISOString();
    if (isMuted(sub, at)) {
      await store.batch(held.flatMap((d) => messages.saveOps({ ...d, status: 'muted', updatedAt: stamp })));
      return;
    }
    if (held.length === 1) {
      // a digest of one message is the message itself
      const d: DeliveryRecord = { ...held[0]!, status: 'pending', updatedAt: stamp };
      await messages.saveDelivery(d);
      await queue.enqueue([{ id: d.id, runAt: Date.now() }]); // the queue runs on the real clock
      return;
    }
    const records = await Promise.all(held.map((d) => messages.getMessage(d.messageId)));
    const items = held.flatMap((d, i) => (records[i] ? [{ delivery: d, message: messageOf(records[i]!, d) }] : []));
    if (items.length === 0) {
      await store.batch(held.flatMap((d) => messages.saveOps({ ...d, status: 'failed', lastError: 'the message expired before its quiet hours ended', updatedAt: stamp })));
      return;
    }
    // the delivery core's digest (src/delivery/digest.ts): the carried deliveries are pending, marked
    // with the digest, and the worker ends them when the digest delivery ends
    const digest = buildDigest({
      items: items.map((x) => ({ ...x, delivery: { ...x.delivery, status: 'pending' } })),
      header: quietHoursHeader(items.length),
      publicUrl: deps.publicUrl,
      attributes: { digest: 'quiet-hours' },
      now: new Date(at),
    });
    const carrier = digest.delivery;
    await store.batch([...messages.createOps(digest.message, [carrier]), ...digest.carried.flatMap((c) => messages.saveOps(c))]);
    await queue.enqueue([{ id: carrier.id, runAt: Date.now() }]);
    log.info('quiet hours ended: held messages sent as one digest', { subscriptionId: sub.id, messages: items.length, deliveryId: carrier.id });
  }

  /** One look at the held set; returns how many deliveries it released or settled. */
  async function tick(): Promise<number> {
    const at = now();
    const ids = await messages.heldIds();
    if (ids.length === 0) return 0;
    const records = (await messages.getDeliveries(ids)).filter((d): d is DeliveryRecord => !!d && d.status === 'held');
    let done = 0;

    // carried by a digest already: settle them once it is final
    const byDigest = new Map<string, DeliveryRecord[]>();
    const waiting = new Map<string, DeliveryRecord[]>();
    for (const d of records) {
      if (d.digest) byDigest.set(d.digest, [...(byDigest.get(d.digest) ?? []), d]);
      else waiting.set(d.subscriptionId, [...(waiting.get(d.subscriptionId) ?? []), d]);
    }
    for (const [digestId, carried] of byDigest) {
      const digest = await messages.getDelivery(digestId);
      if (digest?.status === 'pending') continue;
      await settle(digest ?? { ...carried[0]!, id: digestId, status: 'failed', lastError: 'the digest record expired' }, carried);
      done += carried.length;
    }

    for (const [subId, held] of waiting) {
      const sub = await subscriptions.get(subId);
      if (!sub) {
        const stamp = new Date(at).toISOString();
        await store.batch(held.flatMap((d) => messages.saveOps({ ...d, status: 'failed', lastError: 'the subscription was deleted before its quiet hours ended', updatedAt: stamp })));
        done += held.length;
        continue;
      }
      const due = held.some((d) => (d.releaseAt ?? 0) <= at) || !sub.quietHours || !inQuietHours(sub.quietHours, at);
      if (!due) continue;
      const claim = `held-release:${subId}`;
      if (!(await store.setIfAbsent(claim, at, CLAIM_MS))) continue;
      try {
        // read again under the claim: another instance may have released them meanwhile
        const fresh = (await messages.getDeliveries(held.map((d) => d.id))).filter((d): d is DeliveryRecord => d?.status === 'held' && !d.digest);
        if (fresh.length === 0) continue;
        fresh.sort((a, b) => a.id.localeCompare(b.id)); // ids are time-ordered: oldest first
        await release(sub, fresh, at);
        done += fresh.length;
      } finally {
        await store.delete(claim).catch(() => {});
      }
    }
    return done;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    running = tick().catch((err) => log.error('releasing held messages failed; retrying', { err }));
    void running.finally(() => {
      if (timer) timer = setTimeout(loop, RELEASE_CHECK_MS).unref();
    });
  };

  return {
    tick,
    start(): void {
      timer = setTimeout(loop, 0).unref();
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

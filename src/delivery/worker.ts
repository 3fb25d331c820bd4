/**
 * One delivery, one step: load it, render it once through its adapter, and send the parts still
 * owed while its robot's gate lets it. The step never waits for a robot: when the lane is busy or
 * the window full it returns how long to wait, giving its worker slot back, and is woken by the one
 * that frees the lane. Returns when the queue should run it again.
 */
import type { EventEmitter } from 'node:events';
import type { Adapter, HttpClient, OutboundMessage, Outcome, Target } from '../../adapters/types.js';
import type { CardRef, CardRegistry } from '../alerts/cards.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { messageOf } from '../routing/variants.js';
import { type DeliveryRecord, type MessageRecord, type MessageRepo, recordAttempt } from '../store/messages.js';
import type { OpenSubscription, SubscriptionRepo } from '../store/subscriptions.js';
import { backoffMs } from './backoff.js';
import { buildDigest, rateLimitHeader } from './digest.js';
import { type Chain, createHandOff, type Preloaded } from './hand-off.js';
import type { JobResult, QueueJob } from './queue.js';
import { RenderCache } from './render-cache.js';
import { SharedMessages } from './shared-messages.js';
import type { Settled, Waiter, WindowGate } from './window-gate.js';

export interface WorkerDeps {
  config: Pick<Config, 'delivery' | 'platforms' | 'publicUrl'>;
  messages: MessageRepo;
  subscriptions: SubscriptionRepo;
  adapters: ReadonlyMap<string, Adapter>;
  /** robot lanes and windows */
  gate: WindowGate;
  /** runs a queued delivery now (its turn on a lane came) */
  wake: (id: string) => Promise<void>;
  /** drops a queued delivery's job unless it runs somewhere (a chain of hand-offs ended it); true when dropped */
  dismiss?: (id: string) => Promise<boolean>;
  /** queues new deliveries (a digest) */
  enqueue: (jobs: QueueJob[]) => Promise<void>;
  http: HttpClient;
  log: Logger;
  /** 'attempt' {protocol, outcome, ms}, 'delivered' {protocol, latencyMs}, 'failed' {protocol}, 'wait' {protocol, ms} */
  events: EventEmitter;
  /** alert cards to edit in place instead of posting the next state anew (src/alerts/cards.ts) */
  cards?: CardRegistry;
  /** Redis mode: a step that ends runs the next in its line itself, up to this many in a row (./hand-off.ts). 0 or unset: wake only. */
  handOff?: number;
  /** true once the process is shutting down (no hand-off then) */
  stopping?: () => boolean;
}

/** Waits shorter than this are kept in memory only (a restart runs the delivery at once, and the gate makes it wait again). */
const PERSIST_WAITS_FROM_MS = 5_000;
/** A platform that keeps answering "too fast" for this long fails the delivery. */
const MAX_THROTTLED_MS = 24 * 3_600_000;
/** A platform that says "too fast" without saying how long is left alone this long. */
const DEFAULT_BLOCK_MS = 60_000;
/** ... and at least this long, whatever it says (no tight loop of refused sends). */
const MIN_BLOCK_MS = 1_000;
type Sent = { outcome: Outcome; ms: number } | { error: Error };

/** The robots a delivery may go through: the subscription's endpoint, then its extra robots. */
function targetsOf(sub: OpenSubscription): Target[] {
  const own = { subscriptionId: sub.id, endpoint: sub.plainEndpoint, secret: sub.plainSecret, keyword: sub.keyword };
  return [own, ...(sub.plainExtraRobots ?? []).map((r) => ({ ...own, endpoint: r.endpoint, secret: r.secret }))];
}

export function createWorker(deps: WorkerDeps) {
  const { config, messages, subscriptions, adapters, gate, log, events } = deps;
  const renders = new RenderCache();
  const shared = new SharedMessages((id) => messages.getMessage(id));

  const hand = createHandOff(deps, (id, chain, preloaded) => deliver(id, chain, preloaded));
  const { wakeNext } = hand;

  const finish = async (d: DeliveryRecord, status: 'delivered' | 'failed', error?: string, code?: string | number) => {
    d.status = status;
    d.updatedAt = new Date().toISOString();
    d.nextAttemptAt = undefined;
    if (status === 'delivered') d.deliveredAt = d.updatedAt;
    if (error !== undefined) d.lastError = error;
    if (code !== undefined) d.lastCode = code;
    await messages.saveDelivery(d);
    renders.delete(d.id);
    events.emit(status, { protocol: d.protocol, delivery: d });
    return { done: true } as const;
  };

  /** Runs it again later; short waits are not worth a write. */
  const later = async (d: DeliveryRecord, waitMs: number, persist = true): Promise<JobResult> => {
    const retryAt = Date.now() + waitMs;
    if (persist || waitMs >= PERSIST_WAITS_FROM_MS) {
      d.nextAttemptAt = retryAt;
      d.updatedAt = new Date().toISOString();
      await messages.saveDelivery(d);
    }
    return { retryAt };
  };

  const send = async (adapter: Adapter, target: Target, payload: unknown, edit?: CardRef): Promise<Sent> => {
    const started = Date.now();
    try {
      const ctx = { http: deps.http, now: Date.now, log };
      const outcome = edit && adapter.edit ? await adapter.edit(target, edit.platformMessageId, payload, ctx) : await adapter.send(target, payload, ctx);
      return { outcome, ms: Date.now() - started };
    } catch (error) {
      return { error: error as Error };
    }
  };

  /** A digest ended: so do the deliveries it carried (each once; a restart finishes any left). */
  const settleCarried = async (digest: DeliveryRecord) => {
    const carried = (await messages.getDeliveries(digest.carries ?? [])).filter(
      (c): c is DeliveryRecord => c?.status === 'pending' && c.digest === digest.id,
    );
    if (carried.length === 0) return;
    await messages.commit(carried.flatMap((c) => messages.saveOps(carriedEnd(c, digest))));
    for (const c of carried) {
      renders.delete(c.id);
      events.emit(digest.status, { protocol: c.protocol, delivery: carriedEnd(c, digest) });
    }
  };

  /** Carried by a digest: the digest's own job sends it; this one only ends it, if the digest has ended. */
  const carriedStep = async (d: DeliveryRecord): Promise<JobResult | undefined> => {
    const digest = await messages.getDelivery(d.digest!);
    if (!digest) return undefined; // the digest's record is gone: send it on its own
    if (digest.status === 'pending') return { done: true };
    await messages.saveDelivery(carriedEnd(d, digest));
    renders.delete(d.id);
    events.emit(digest.status, { protocol: d.protocol, delivery: d });
    return { done: true };
  };

  return deliver;

  async function deliver(id: string, chain: Chain = { depth: 0, since: Date.now() }, preloaded?: Preloaded): Promise<JobResult> {
    let d = preloaded ? preloaded.record : await messages.getDelivery(id);
    if (d?.status !== 'pending') return { done: true };
    /** the digest its record names at load (one whose record is gone is ignored below) */
    const carriedBy = d.digest;
    if (d.digest) {
      const carried = await carriedStep(d);
      if (carried) return carried;
      d.digest = undefined;
    }
    const adapter = adapters.get(d.protocol);
    if (!adapter) return finish(d, 'failed', `no adapter for protocol ${d.protocol}`);
    const loaded = d;
    const [sub, msg] = await Promise.all([subscriptions.open(d.subscriptionId), shared.get(d.messageId).then((m) => m && messageOf(m, loaded))]);
    if (!sub) return finish(d, 'failed', 'the subscription was deleted before delivery');
    if (!msg) return finish(d, 'failed', 'the message expired before delivery');

    const targets = targetsOf(sub);
    const robots = targets.map((t) => adapter.limiterKey(t));
    const lane = robots[0]!;
    // its place on the lane, and in its subscription's order line (Redis mode: enlisted at publish)
    const me: Waiter = { ticket: d.ticket ?? d.id, job: d.id, line: d.subscriptionId };
    let parts = renders.get(d.id);
    if (!parts) {
      try {
        parts = adapter.render(outbound(msg, d, sub), targets[0]!);
      } catch (err) {
        await gate.leave(lane, [me]);
        return finish(d, 'failed', `could not render the message: ${(err as Error).message}`);
      }
      renders.set(d.id, parts, msg);
    }
    d.parts = parts.length;
    // the config always holds a section per adapter: its defaults are merged in at load
    const windows = config.platforms[d.protocol]!.rateLimits;

    /**
     * The lane of a send that succeeded frees only once its record says so: a second runner of the
     * same delivery (a hand-off, a job taken over) that gets the lane then sees it sent.
     */
    let unsettled: Settled | undefined;
    const release = async () => {
      const settle = unsettled;
      unsettled = undefined;
      if (settle) await gate.settle(lane, settle.robot, settle.slot, true);
    };

    /** Records the end, then leaves the lane to the next in line. */
    const end = async (status: 'delivered' | 'failed', error?: string, code?: string | number) => {
      let result: JobResult;
      try {
        result = await finish(d!, status, error, code);
      } catch (err) {
        await release();
        throw err;
      }
      hand.dismiss(d!.id, chain);
      const settled = unsettled;
      unsettled = undefined;
      // the lane and the line at once, and who is next (one round trip before the next send)
      const [first] = await Promise.all([hand.over(lane, settled, me), d!.carries ? settleCarried(d!) : undefined]);
      await hand.on(lane, d!.id, chain, first);
      return result;
    };

    const batching = config.platforms[d.protocol]!.batch;

    /**
     * Folds this delivery and every delivery of the same subscription waiting on the lane into one
     * digest, written durably with the marks on what it carries; returns the digest delivery's id,
     * in line where the oldest carried one was. Nothing to fold with: undefined.
     */
    async function fold(leader: DeliveryRecord, leaderMsg: MessageRecord): Promise<string | undefined> {
      // who waits on the lane, and who is in the subscription's line but not at the gate yet
      const line = (await gate.waiters(lane, leader.subscriptionId)).filter((w) => w.job !== leader.id);
      if (line.length === 0) return undefined;
      const mates = (await messages.getDeliveries(line.map((w) => w.job))).filter(
        (r): r is DeliveryRecord =>
          r?.status === 'pending' && r.subscriptionId === leader.subscriptionId && !r.digest && !r.carries && r.partsDone === 0,
      );
      if (mates.length === 0) return undefined;
      const texts = await Promise.all(mates.map((m) => shared.get(m.messageId).then((x) => x && messageOf(x, m))));
      const items = [
        { delivery: leader, message: leaderMsg },
        ...mates.flatMap((m, i) => (texts[i] ? [{ delivery: m, message: texts[i]! }] : [])),
      ].sort((a, b) => (a.delivery.id < b.delivery.id ? -1 : 1));
      if (items.length < 2) return undefined;
      const digest = buildDigest({ items, header: rateLimitHeader(items.length), publicUrl: config.publicUrl });
      await messages.commit([
        ...messages.createOps(digest.message, [digest.delivery]),
        ...digest.carried.flatMap((c) => messages.saveOps(c)),
      ]);
      const folded = items.map((i) => ({ ticket: i.delivery.ticket ?? i.delivery.id, job: i.delivery.id, line: leader.subscriptionId }));
      // the digest takes the oldest carried one's place before the lane frees
      await gate.hold(lane, { ticket: digest.delivery.ticket!, job: digest.delivery.id, line: leader.subscriptionId }, 0);
      await gate.leave(lane, folded);
      for (const i of items) renders.delete(i.delivery.id);
      log.info('robot at its rate limit: waiting messages go out as one digest', {
        subscriptionId: leader.subscriptionId,
        messages: items.length,
        deliveryId: digest.delivery.id,
      });
      return digest.delivery.id;
    }

    // The next state of alerts already on an editable card edits it (one part only).
    let edit = parts.length === 1 && d.partsDone === 0 ? await deps.cards?.editable(adapter, targets[0]!, msg) : undefined;

    while (d.partsDone < parts.length) {
      const got = await gate.acquire(lane, robots, windows, me.ticket, me.job, me.line, messages.deliveryKey(id));
      // it left its line a moment ago (it ended, or a digest carries it) while this step ran
      if (!got.ok && got.left) {
        const now = await messages.getDelivery(id);
        if (now?.status !== 'pending' || (now.digest !== undefined && now.digest !== carriedBy)) return { done: true };
        return later(d, got.waitMs, false); // sent again (a replay): once the mark has lapsed
      }
      if (!got.ok) {
        events.emit('wait', { protocol: d.protocol, ms: got.waitMs });
        return later(d, got.waitMs, false);
      }
      const robot = robots[got.robot]!;
      // The record may have moved on while this step waited (another instance took the job over).
      const read = got.peeked !== undefined ? Promise.resolve(got.peeked).then((raw) => messages.decodeDelivery(raw)) : messages.getDelivery(id);
      const fresh = await read.catch((err) => {
        void gate.settle(lane, robot, got.slot, false);
        throw err;
      });
      // (or a digest carries it now: the digest's job sends it)
      const nowCarried = fresh?.digest !== undefined && fresh.digest !== carriedBy;
      if (fresh?.status !== 'pending' || fresh.partsDone !== d.partsDone || nowCarried) {
        await gate.settle(lane, robot, got.slot, false);
        if (fresh?.status !== 'pending' || nowCarried) {
          await gate.leave(lane, [me]); // the place this step just took in its line
          await wakeNext(lane, id);
          return { done: true };
        }
        await wakeNext(lane, id);
        d = { ...fresh, parts: parts.length };
        continue;
      }
      // Its robot was at its limit while it waited: what waits with it goes out as one digest.
      if (got.waitedForWindow && batching && d.partsDone === 0 && !d.carries && !edit) {
        const digest = await fold(d, msg);
        if (digest) {
          await gate.settle(lane, robot, got.slot, false);
          await deps.enqueue([{ id: digest, runAt: Date.now() }]);
          return { done: true };
        }
      }
      const sent = await send(adapter, targets[got.robot]!, parts[d.partsDone], edit);
      if ('outcome' in sent && !sent.outcome.ok && sent.outcome.kind === 'rate-limited') {
        await gate.block(robot, Math.max(MIN_BLOCK_MS, sent.outcome.retryAfterMs ?? DEFAULT_BLOCK_MS));
      }
      if ('outcome' in sent && sent.outcome.ok) unsettled = { robot, slot: got.slot };
      else await gate.settle(lane, robot, got.slot, true);

      d.attempts += 1;
      const part = parts.length > 1 ? d.partsDone + 1 : undefined;
      if ('error' in sent) {
        recordAttempt(d, { ok: false, part, error: `network error: ${sent.error.message}` });
        events.emit('attempt', { protocol: d.protocol, outcome: 'transient' });
        return retryOrFail(d, `network error: ${sent.error.message}`, undefined);
      }
      const { outcome } = sent;
      events.emit('attempt', { protocol: d.protocol, outcome: outcome.ok ? 'ok' : outcome.kind, ms: sent.ms });
      recordAttempt(d, outcome.ok ? { ok: true, part } : { ok: false, part, error: outcome.message, code: outcome.code });
      if (!outcome.ok && edit && outcome.kind === 'permanent') {
        // The card can no longer be edited (recalled, too old): the new state goes out as a new message.
        log.info('card edit refused; sending a new message', { deliveryId: d.id, code: outcome.code });
        edit = undefined;
        d.attempts -= 1;
        continue;
      }
      if (outcome.ok) {
        if (d.partsDone === 0 && outcome.platformMessageId) d.platformMessageId = outcome.platformMessageId;
        if (edit) d.editedMessageId = edit.platformMessageId;
        d.partsDone += 1;
        if (d.partsDone < parts.length) {
          try {
            await messages.saveDelivery(d);
          } finally {
            await release();
          }
        }
        continue;
      }
      d.lastError = outcome.message;
      d.lastCode = outcome.code;
      if (outcome.kind === 'permanent') {
        log.warn('delivery failed', { deliveryId: d.id, protocol: d.protocol, code: outcome.code, reason: outcome.message });
        return end('failed', outcome.message, outcome.code);
      }
      if (outcome.kind === 'rate-limited') {
        if (Date.now() - Date.parse(msg.createdAt) > MAX_THROTTLED_MS) return end('failed', outcome.message);
        d.attempts -= 1; // being told to wait is not a failed attempt: the robot is blocked, the gate says when
        continue;
      }
      return retryOrFail(d, outcome.message, outcome.code);
    }
    d.lastError = undefined;
    d.lastCode = undefined;
    if (d.platformMessageId && deps.cards) {
      const sentAt = edit?.sentAt ?? Date.now();
      await deps.cards.remember(adapter, targets[0]!, msg, { platformMessageId: d.platformMessageId, sentAt }).catch((err) => log.warn('could not remember the card', { deliveryId: d.id, err }));
    }
    const result = await end('delivered');
    events.emit('latency', { protocol: d.protocol, ms: Date.now() - Date.parse(msg.createdAt) });
    return result;

    /** A failed attempt keeps the delivery's place on its lane, so what was published after it waits. */
    async function retryOrFail(r: DeliveryRecord, error: string, code: string | number | undefined): Promise<JobResult> {
      r.lastError = error;
      r.lastCode = code;
      if (r.attempts >= config.delivery.maxAttempts) {
        log.warn('delivery failed after retries', { deliveryId: r.id, protocol: r.protocol, attempts: r.attempts, reason: error });
        return end('failed', error, code);
      }
      const wait = backoffMs(r.attempts, config.delivery.backoffMs, config.delivery.maxBackoffMs);
      await gate.hold(lane, me, wait);
      return later(r, wait);
    }
  }
}

function outbound(msg: MessageRecord, d: DeliveryRecord, sub: OpenSubscription): OutboundMessage {
  const m = msg.mentions;
  const s = sub.mentions ?? {};
  const union = (a?: string[], b?: string[]) => (a || b ? [...new Set([...(a ?? []), ...(b ?? [])])] : undefined);
  return {
    messageId: msg.id,
    deliveryId: d.id,
    topic: msg.topic,
    subject: msg.subject,
    text: msg.bodies[d.protocol] ?? msg.bodies.default ?? '',
    format: msg.format,
    level: msg.level,
    mentions: { all: m.all || s.all || undefined, users: union(m.users, s.users), mobiles: union(m.mobiles, s.mobiles) },
    attributes: msg.attributes,
    createdAt: msg.createdAt,
    ...(msg.actions ? { actions: msg.actions } : {}),
  };
}

/** A carried delivery ends as its digest ended. */
function carriedEnd(c: DeliveryRecord, digest: DeliveryRecord): DeliveryRecord {
  const at = new Date().toISOString();
  const end: DeliveryRecord = { ...c, status: digest.status === 'delivered' ? 'delivered' : 'failed', updatedAt: at, nextAttemptAt: undefined };
  if (end.status === 'delivered') end.deliveredAt = digest.deliveredAt ?? at;
  else end.lastError = `the digest ${digest.id} that carried it failed: ${digest.lastError ?? 'unknown error'}`;
  return end;
}

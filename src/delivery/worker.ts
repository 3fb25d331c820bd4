/**
 * One delivery, one step: load it, render it through its adapter, send the parts still owed through
 * the robot's limiter, and record what happened. Returns when the queue should run it again.
 */
import type { EventEmitter } from 'node:events';
import type { Adapter, HttpClient, OutboundMessage, Outcome, Target } from '../../adapters/types.js';
import type { Config } from '../config/schema.js';
import type { CardRef, CardRegistry } from '../alerts/cards.js';
import type { Logger } from '../log.js';
import { type DeliveryRecord, type MessageRecord, type MessageRepo, recordAttempt } from '../store/messages.js';
import type { OpenSubscription, SubscriptionRepo } from '../store/subscriptions.js';
import { backoffMs } from './backoff.js';
import type { JobResult } from './queue.js';
import type { RobotLanes } from './robot-lanes.js';
import type { WindowGate } from './window-gate.js';

export interface WorkerDeps {
  config: Pick<Config, 'delivery' | 'platforms'>;
  messages: MessageRepo;
  subscriptions: SubscriptionRepo;
  adapters: ReadonlyMap<string, Adapter>;
  gate: WindowGate;
  /** a robot's sends one at a time, in order */
  lanes: RobotLanes;
  http: HttpClient;
  log: Logger;
  /** 'attempt' {protocol, outcome, ms}, 'delivered' {protocol, latencyMs}, 'failed' {protocol}, 'wait' {protocol, ms} */
  events: EventEmitter;
  /** alert cards to edit in place instead of posting the next state anew (src/alerts/cards.ts) */
  cards?: CardRegistry;
}

/** Waits behind a robot's limiter shorter than this are kept in memory only (a restart retries at once). */
const PERSIST_WAITS_FROM_MS = 1_000;
/** A platform that keeps answering "too fast" for this long fails the delivery. */
const MAX_THROTTLED_MS = 24 * 3_600_000;

type Step = { outcome: Outcome; ms: number } | { waitMs: number } | { error: Error };

export function createWorker(deps: WorkerDeps) {
  const { config, messages, subscriptions, adapters, gate, lanes, log, events } = deps;

  const finish = async (d: DeliveryRecord, status: 'delivered' | 'failed', error?: string, code?: string | number) => {
    d.status = status;
    d.updatedAt = new Date().toISOString();
    d.nextAttemptAt = undefined;
    if (status === 'delivered') d.deliveredAt = d.updatedAt;
    if (error !== undefined) d.lastError = error;
    if (code !== undefined) d.lastCode = code;
    await messages.saveDelivery(d);
    events.emit(status, { protocol: d.protocol, delivery: d });
    return { done: true } as const;
  };

  /** Runs it again later; short waits behind a limiter are not worth a write. */
  const later = async (d: DeliveryRecord, waitMs: number, persist = true): Promise<JobResult> => {
    const retryAt = Date.now() + waitMs;
    if (persist || waitMs >= PERSIST_WAITS_FROM_MS) {
      d.nextAttemptAt = retryAt;
      d.updatedAt = new Date().toISOString();
      await messages.saveDelivery(d);
    }
    return { retryAt };
  };

  const sendPart = (adapter: Adapter, key: string, target: Target, payload: unknown, d: DeliveryRecord, edit?: CardRef) =>
    lanes.run(key, async (): Promise<Step> => {
      // the config always holds a section per adapter: its defaults are merged in at load
      const windows = config.platforms[d.protocol]!.rateLimits;
      const got = await gate.acquire(key, windows, d.id);
      if (!got.ok) return { waitMs: got.waitMs };
      const started = Date.now();
      try {
        const ctx = { http: deps.http, now: Date.now, log };
        const outcome = edit && adapter.edit ? await adapter.edit(target, edit.platformMessageId, payload, ctx) : await adapter.send(target, payload, ctx);
        if (!outcome.ok && outcome.kind === 'rate-limited') await gate.block(key, outcome.retryAfterMs ?? 60_000);
        return { outcome, ms: Date.now() - started };
      } catch (error) {
        return { error: error as Error };
      } finally {
        await gate.settle(key, got.slot);
      }
    });

  return async function deliver(id: string): Promise<JobResult> {
    const d = await messages.getDelivery(id);
    if (d?.status !== 'pending') return { done: true };
    const adapter = adapters.get(d.protocol);
    if (!adapter) return finish(d, 'failed', `no adapter for protocol ${d.protocol}`);
    const [sub, msg] = await Promise.all([subscriptions.open(d.subscriptionId), messages.getMessage(d.messageId)]);
    if (!sub) return finish(d, 'failed', 'the subscription was deleted before delivery');
    if (!msg) return finish(d, 'failed', 'the message expired before delivery');

    const target: Target = {
      subscriptionId: sub.id,
      endpoint: sub.plainEndpoint,
      secret: sub.plainSecret,
      keyword: sub.keyword,
    };
    let parts: unknown[];
    try {
      parts = adapter.render(outbound(msg, d, sub), target);
    } catch (err) {
      return finish(d, 'failed', `could not render the message: ${(err as Error).message}`);
    }
    d.parts = parts.length;
    const key = adapter.limiterKey(target);
    // The next state of alerts already on an editable card edits it (one part only).
    let edit = parts.length === 1 && d.partsDone === 0 ? await deps.cards?.editable(adapter, target, msg) : undefined;

    for (let i = d.partsDone; i < parts.length; i++) {
      const step = await sendPart(adapter, key, target, parts[i], d, edit);
      if ('waitMs' in step) {
        events.emit('wait', { protocol: d.protocol, ms: step.waitMs });
        return later(d, step.waitMs, false);
      }
      d.attempts += 1;
      const part = parts.length > 1 ? i + 1 : undefined;
      if ('error' in step) {
        recordAttempt(d, { ok: false, part, error: `network error: ${step.error.message}` });
        events.emit('attempt', { protocol: d.protocol, outcome: 'transient' });
        return retryOrFail(d, `network error: ${step.error.message}`, undefined);
      }
      const { outcome } = step;
      recordAttempt(d, outcome.ok ? { ok: true, part } : { ok: false, part, error: outcome.message, code: outcome.code });
      events.emit('attempt', { protocol: d.protocol, outcome: outcome.ok ? 'ok' : outcome.kind, ms: step.ms });
      if (!outcome.ok && edit && outcome.kind === 'permanent') {
        // The card can no longer be edited (recalled, too old): the new state goes out as a new message.
        log.info('card edit refused; sending a new message', { deliveryId: d.id, code: outcome.code });
        edit = undefined;
        d.attempts -= 1;
        i -= 1;
        continue;
      }
      if (outcome.ok) {
        if (i === 0 && outcome.platformMessageId) d.platformMessageId = outcome.platformMessageId;
        if (edit) d.editedMessageId = edit.platformMessageId;
        d.partsDone = i + 1;
        if (i + 1 < parts.length) await messages.saveDelivery(d);
        continue;
      }
      d.lastError = outcome.message;
      d.lastCode = outcome.code;
      if (outcome.kind === 'permanent') {
        log.warn('delivery failed', { deliveryId: d.id, protocol: d.protocol, code: outcome.code, reason: outcome.message });
        return finish(d, 'failed', outcome.message, outcome.code);
      }
      if (outcome.kind === 'rate-limited') {
        if (Date.now() - Date.parse(msg.createdAt) > MAX_THROTTLED_MS) return finish(d, 'failed', outcome.message);
        d.attempts -= 1; // being told to wait is not a failed attempt
        return later(d, outcome.retryAfterMs ?? 60_000);
      }
      return retryOrFail(d, outcome.message, outcome.code);
    }
    d.lastError = undefined;
    d.lastCode = undefined;
    if (d.platformMessageId && deps.cards) {
      const sentAt = edit?.sentAt ?? Date.now();
      await deps.cards.remember(adapter, target, msg, { platformMessageId: d.platformMessageId, sentAt }).catch((err) => log.warn('could not remember the card', { deliveryId: d.id, err }));
    }
    const result = await finish(d, 'delivered');
    events.emit('latency', { protocol: d.protocol, ms: Date.now() - Date.parse(msg.createdAt) });
    return result;
  };

  async function retryOrFail(d: DeliveryRecord, error: string, code: string | number | undefined): Promise<JobResult> {
    d.lastError = error;
    d.lastCode = code;
    if (d.attempts >= config.delivery.maxAttempts) {
      log.warn('delivery failed after retries', { deliveryId: d.id, protocol: d.protocol, attempts: d.attempts, reason: error });
      return finish(d, 'failed', error, code);
    }
    return later(d, backoffMs(d.attempts, config.delivery.backoffMs, config.delivery.maxBackoffMs));
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

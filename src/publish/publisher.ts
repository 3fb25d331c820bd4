/**
 * Publishing: a draft becomes a message with the text rendered for each subscribed protocol and
 * one delivery per subscription it reaches (src/routing: filters, mute, quiet hours), all durable
 * before the caller is answered: in one transaction, or in batches for a large fan-out (./fan-out.ts).
 */
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import { type Enlisted, firstLookMs, type PublishOrder } from '../delivery/publish-order.js';
import type { DeliveryQueue } from '../delivery/queue.js';
import { Errors, HeraldError } from '../errors.js';
import type { Logger } from '../log.js';
import { newId } from '../store/ids.js';
import type { MessageRecord, MessageRepo } from '../store/messages.js';
import type { Store } from '../store/store.js';
import { planFanOut, subsOfVariants } from '../routing/plan.js';
import { variantRecord } from '../routing/variants.js';
import type { SubscriptionRef, SubscriptionRepo } from '../store/subscriptions.js';
import type { TemplateRepo } from '../store/templates.js';
import type { TopicRepo } from '../store/topics.js';
import { render, TemplateBudgetError } from '../templates/engine.js';
import { type Draft, templateContext } from './draft.js';
import { type FanOutEntry, fanOut } from './fan-out.js';

export interface PublisherDeps {
  config: Pick<Config, 'publish' | 'templates'>;
  store: Store;
  topics: TopicRepo;
  subscriptions: SubscriptionRepo;
  templates: TemplateRepo;
  messages: MessageRepo;
  queue: DeliveryQueue;
  events: EventEmitter;
  /** Redis mode: message ids and order lines shared by every instance (src/delivery/publish-order.ts) */
  order?: PublishOrder;
  log?: Logger;
  /** true once the process stops: a fan-out cut short by a store error is then left to the next start */
  stopped?: () => boolean;
}

interface Rendered {
  bodies: Record<string, string>;
  /** protocol → why its template produced no message: its deliveries fail with this */
  failures: Record<string, string>;
}

export interface Published {
  messageId: string;
  deliveries: number;
  duplicate?: boolean;
}

export function createPublisher(deps: PublisherDeps) {
  const { store, topics, subscriptions, messages, queue } = deps;

  /**
   * The text for each protocol. A template past its budget (src/templates/budget.ts): a stored one
   * fails the deliveries of its protocol with the reason (`failures`; the alert's other protocols
   * still go out), a built-in or inline one refuses the publish with 422.
   */
  async function bodiesFor(topic: string, draft: Draft, subs: SubscriptionRef[]): Promise<Rendered> {
    if (draft.bodies) return { bodies: draft.bodies, failures: {} };
    const t = draft.template!;
    const limits = deps.config.templates;
    const protocols = [...new Set(subs.map((s) => s.protocol))];
    const bodies: Record<string, string> = {};
    const failures: Record<string, string> = {};
    for (const p of protocols.length ? protocols : ['default']) {
      const stored = await deps.templates.resolve(t.name, p);
      const content = stored?.content ?? t.builtin?.[p] ?? t.builtin?.default;
      if (content === undefined) {
        throw Errors.templateNotFound(`No template "${t.name}" for protocol "${p}" or "default"; create it with POST /v1/templates.`);
      }
      try {
        bodies[p] = render(content, templateContext(topic, t.context), limits);
      } catch (err) {
        const failure = `Template "${t.name}" (${stored?.protocol ?? 'built-in'}) failed: ${(err as Error).message}`;
        if (err instanceof TemplateBudgetError) {
          if (!stored) throw Errors.templateBudgetExceeded(`${failure}.`);
          failures[p] = `${failure}; raise the limit or fix the template, then replay.`;
          bodies[p] = `⚠️ ${failures[p]}`;
          continue;
        }
        // A broken stored override must not lose an alert (a 4xx is never retried by Alertmanager):
        // the built-in variant is used and the group is told why.
        const builtin = stored ? (t.builtin?.[p] ?? t.builtin?.default) : undefined;
        if (builtin === undefined) throw Errors.invalidTemplate(failure);
        bodies[p] = `${render(builtin, templateContext(topic, t.context), limits)}\n\n⚠️ ${failure}; the built-in template was used.`;
      }
    }
    return { bodies, failures };
  }

  /** A duplicate within the idempotency window: the first message, delivered nothing again. */
  async function firstOf(idemKey: string): Promise<Published | undefined> {
    const first = await store.get<string>(idemKey);
    if (first === undefined) return undefined;
    const msg = await messages.getMessage(first);
    return { messageId: first, deliveries: msg?.deliveryCount ?? 0, duplicate: true };
  }

  return async function publish(topic: string, draft: Draft, idempotencyKey?: string): Promise<Published> {
    if (!(await topics.get(topic))) throw Errors.topicNotFound();
    const idemKey = idempotencyKey ? `idem:${topic}:${createHash('sha256').update(idempotencyKey).digest('base64url')}` : undefined;
    if (idemKey) {
      const repeat = await firstOf(idemKey);
      if (repeat) return repeat;
    }
    let claimed = false;
    let messageId: string | undefined;
    let enlisted: Enlisted[] = [];
    const lookIn = new Map<number, number>();
    try {
      // routing: filters, per-alert subsets, mute and quiet hours (src/routing/plan.ts)
      // let go (below) once the entries are made: a large fan-out's targets are ~100 bytes each
      let plan: ReturnType<typeof planFanOut> | undefined = planFanOut(draft, await subscriptions.targetsOf(topic), Date.now());
      const rendered: Rendered[] = [];
      let subsOf: ReturnType<typeof subsOfVariants> | undefined = subsOfVariants(plan);
      for (let v = 0; v < plan.variants.length; v++) rendered.push(await bodiesFor(topic, plan.variants[v]!, subsOf[v]!));
      subsOf = undefined;
      const variants = plan.variants;
      // one compact entry per delivery; the records are made and written in batches (./fan-out.ts)
      let entries: FanOutEntry[] | undefined = plan.targets.map((t) => {
        const failure = t.status === 'muted' ? undefined : rendered[t.variant]!.failures[t.sub.protocol];
        return [t.sub.id, t.sub.protocol, failure ? 'failed' : t.status, t.variant || undefined, failure ? undefined : t.releaseAt, failure];
      });
      plan = undefined;
      // the id, and (Redis mode) each pending delivery's place in its subscription's order line
      if (deps.order) {
        const pending = entries.flatMap((e, index) => (e[2] === 'pending' ? [{ index, subscriptionId: e[0] }] : []));
        const issued = await deps.order.place(pending);
        messageId = issued.id;
        issued.ahead.forEach((n, k) => {
          if (firstLookMs(n) > 0) lookIn.set(pending[k]!.index, firstLookMs(n));
        });
        enlisted = pending;
      } else messageId = newId('m');
      if (idemKey) {
        claimed = await store.setIfAbsent(idemKey, messageId, deps.config.publish.idempotencyWindowMs);
        // a repeat that came in meanwhile was first (one whose key lapsed since is not: publish)
        const repeat = claimed ? undefined : await firstOf(idemKey);
        if (repeat) {
          await deps.order?.withdraw(messageId, enlisted);
          return repeat;
        }
      }
      const { bodies } = rendered[0]!;
      const now = new Date().toISOString();
      const msg: MessageRecord = {
        id: messageId,
        topic,
        subject: draft.subject,
        text: draft.text ?? bodies.default ?? Object.values(bodies)[0],
        level: draft.level,
        mentions: draft.mentions,
        attributes: draft.attributes,
        bodies,
        format: draft.format,
        source: draft.source,
        deliveryCount: entries.length,
        createdAt: now,
        ...(draft.alertKeys?.length ? { alertKeys: draft.alertKeys } : {}),
        ...(draft.actions?.length ? { actions: draft.actions } : {}),
      };
      if (variants.length > 1) msg.variants = variants.slice(1).map((v, i) => variantRecord(v, rendered[i + 1]!.bodies));
      const count = entries.length;
      // the fan-out keeps its compact stored form; the 100,000 tuples of a large one go here
      const written = fanOut({ store, messages, queue, log: deps.log, stopped: deps.stopped }, msg, entries, lookIn);
      entries = undefined;
      await written;
      deps.events.emit('published', { topic, source: draft.source, deliveries: count });
      return { messageId, deliveries: count };
    } catch (err) {
      if (claimed) await store.delete(idemKey!).catch(() => {});
      if (messageId && enlisted.length) await deps.order?.withdraw(messageId, enlisted).catch(() => {});
      if (err instanceof HeraldError) throw err;
      throw Errors.unavailable(`Herald could not store the message (${(err as Error).message}); retry.`);
    }
  };
}

export type Publish = ReturnType<typeof createPublisher>;

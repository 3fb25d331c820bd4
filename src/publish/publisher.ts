/**
 * Publishing: a draft becomes a message with the text rendered for each subscribed protocol and
 * one delivery per subscription it reaches (src/routing: filters, mute, quiet hours), all written
 * in one durable batch before the caller is answered.
 */
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import type { DeliveryQueue } from '../delivery/queue.js';
import { Errors, HeraldError } from '../errors.js';
import { newId } from '../store/ids.js';
import { type DeliveryRecord, deliveryId, type MessageRecord, type MessageRepo } from '../store/messages.js';
import type { Store } from '../store/store.js';
import { planFanOut, subsOfVariant } from '../routing/plan.js';
import { variantRecord } from '../routing/variants.js';
import type { SubscriptionRef, SubscriptionRepo } from '../store/subscriptions.js';
import type { TemplateRepo } from '../store/templates.js';
import type { TopicRepo } from '../store/topics.js';
import { render } from '../templates/engine.js';
import { type Draft, templateContext } from './draft.js';

export interface PublisherDeps {
  config: Pick<Config, 'publish'>;
  store: Store;
  topics: TopicRepo;
  subscriptions: SubscriptionRepo;
  templates: TemplateRepo;
  messages: MessageRepo;
  queue: DeliveryQueue;
  events: EventEmitter;
}

export interface Published {
  messageId: string;
  deliveries: number;
  duplicate?: boolean;
}

export function createPublisher(deps: PublisherDeps) {
  const { store, topics, subscriptions, messages, queue } = deps;

  async function bodiesFor(topic: string, draft: Draft, subs: SubscriptionRef[]): Promise<Record<string, string>> {
    if (draft.bodies) return draft.bodies;
    const t = draft.template!;
    const protocols = [...new Set(subs.map((s) => s.protocol))];
    const bodies: Record<string, string> = {};
    for (const p of protocols.length ? protocols : ['default']) {
      const stored = await deps.templates.resolve(t.name, p);
      const content = stored?.content ?? t.builtin?.[p] ?? t.builtin?.default;
      if (content === undefined) {
        throw Errors.templateNotFound(`No template "${t.name}" for protocol "${p}" or "default"; create it with POST /v1/templates.`);
      }
      try {
        bodies[p] = render(content, templateContext(topic, t.context));
      } catch (err) {
        const failure = `Template "${t.name}" (${stored?.protocol ?? 'built-in'}) failed: ${(err as Error).message}`;
        // A broken stored override must not lose an alert (a 4xx is never retried by Alertmanager):
        // the built-in variant is used and the group is told why.
        const builtin = stored ? (t.builtin?.[p] ?? t.builtin?.default) : undefined;
        if (builtin === undefined) throw Errors.invalidTemplate(failure);
        bodies[p] = `${render(builtin, templateContext(topic, t.context))}\n\n⚠️ ${failure}; the built-in template was used.`;
      }
    }
    return bodies;
  }

  return async function publish(topic: string, draft: Draft, idempotencyKey?: string): Promise<Published> {
    if (!(await topics.get(topic))) throw Errors.topicNotFound();
    const messageId = newId('m');
    let idemKey: string | undefined;
    if (idempotencyKey) {
      idemKey = `idem:${topic}:${createHash('sha256').update(idempotencyKey).digest('base64url')}`;
      if (!(await store.setIfAbsent(idemKey, messageId, deps.config.publish.idempotencyWindowMs))) {
        const first = (await store.get<string>(idemKey)) ?? messageId;
        const msg = await messages.getMessage(first);
        return { messageId: first, deliveries: msg?.deliveryCount ?? 0, duplicate: true };
      }
    }
    try {
      // routing: filters, per-alert subsets, mute and quiet hours (src/routing/plan.ts)
      const plan = planFanOut(draft, await subscriptions.targetsOf(topic), Date.now());
      const rendered: Record<string, string>[] = [];
      for (let v = 0; v < plan.variants.length; v++) rendered.push(await bodiesFor(topic, plan.variants[v]!, subsOfVariant(plan, v)));
      const bodies = rendered[0]!;
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
        deliveryCount: plan.targets.length,
        createdAt: now,
        ...(draft.alertKeys?.length ? { alertKeys: draft.alertKeys } : {}),
        ...(draft.actions?.length ? { actions: draft.actions } : {}),
      };
      if (plan.variants.length > 1) msg.variants = plan.variants.slice(1).map((v, i) => variantRecord(v, rendered[i + 1]!));
      const deliveries: DeliveryRecord[] = plan.targets.map((t, i) => ({
        id: deliveryId(messageId, i),
        messageId,
        topic,
        subscriptionId: t.sub.id,
        protocol: t.sub.protocol,
        status: t.status,
        attempts: 0,
        partsDone: 0,
        ...(t.variant ? { variant: t.variant } : {}),
        ...(t.releaseAt ? { releaseAt: t.releaseAt } : {}),
        updatedAt: now,
      }));
      await store.batch(messages.createOps(msg, deliveries));
      deps.events.emit('published', { topic, source: draft.source, deliveries: deliveries.length });
      const runAt = Date.now();
      await queue.enqueue(deliveries.filter((d) => d.status === 'pending').map((d) => ({ id: d.id, runAt })));
      return { messageId, deliveries: deliveries.length };
    } catch (err) {
      if (idemKey) await store.delete(idemKey).catch(() => {});
      if (err instanceof HeraldError) throw err;
      throw Errors.unavailable(`Herald could not store the message (${(err as Error).message}); retry.`);
    }
  };
}

export type Publish = ReturnType<typeof createPublisher>;

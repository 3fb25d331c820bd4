/**
 * Changing a subscription in place: PATCH its filter, quiet hours, mentions, keyword and remark
 * (protocol and endpoint stay fixed, as in SMN), mute and unmute it, and ask which subscriptions
 * of a topic a message would reach without sending it.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { mentionsSchema } from '../../publish/intakes/json.js';
import { parseDuration } from '../../alerts/duration.js';
import { filterSchema, normalizeFilter } from '../../routing/filter.js';
import { planFanOut } from '../../routing/plan.js';
import { quietHoursSchema } from '../../routing/quiet-hours.js';
import type { SubscriptionRecord } from '../../store/subscriptions.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';
import { subscriptionOr404, subscriptionView } from './subscriptions.js';
import { topicOr404 } from './topics.js';

/** The fields a PATCH may change; `null` clears one. */
export const patchBody = z
  .strictObject({
    filter: filterSchema.nullable().optional(),
    quietHours: quietHoursSchema.nullable().optional(),
    mentions: mentionsSchema.nullable().optional(),
    keyword: z.string().min(1).max(64).nullable().optional(),
    remark: z.string().max(256).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of filter, quietHours, mentions, keyword, remark');

export type SubscriptionPatch = z.output<typeof patchBody>;

/** Fields fixed at subscribe time: changing them means a new subscription. */
const FIXED = ['protocol', 'endpoint', 'secret', 'topic', 'id'];

/** The longest mute: a year (longer is an unsubscribe). */
export const MAX_MUTE_MS = 366 * 86_400_000;

export const muteBody = z
  .strictObject({
    for: z.string().max(32).optional(),
    until: z.iso.datetime({ offset: true, message: 'until is an ISO time, e.g. 2026-05-01T08:00:00+08:00' }).optional(),
  })
  .refine((b) => (b.for === undefined) !== (b.until === undefined), 'give either "for" (e.g. "2h") or "until" (an ISO time)');

/** Applies a validated patch, saves it with its audit entry (one write); returns the saved record. */
export async function changeSubscription(h: Herald, sub: SubscriptionRecord, patch: SubscriptionPatch, actor: string): Promise<SubscriptionRecord> {
  const next: SubscriptionRecord = { ...sub };
  const set = <K extends keyof SubscriptionRecord>(key: K, value: SubscriptionRecord[K] | null | undefined) => {
    if (value === undefined) return;
    if (value === null) delete next[key];
    else next[key] = value;
  };
  if (patch.filter !== undefined) set('filter', patch.filter === null ? null : (normalizeFilter(patch.filter) ?? null));
  set('quietHours', patch.quietHours);
  set('mentions', patch.mentions);
  set('keyword', patch.keyword);
  set('remark', patch.remark);
  await h.subscriptions.update(next, { actor, action: 'subscription.update', target: sub.id, details: { topic: sub.topic, fields: Object.keys(patch).sort() } });
  return next;
}

/** The end of a mute asked for as `{for}` or `{until}`; throws 400 for a past, unreadable or too long one. */
export function muteEnd(body: z.output<typeof muteBody>, now = Date.now()): number {
  let until: number;
  if (body.for !== undefined) {
    const ms = parseDuration(body.for);
    if (ms === undefined) throw Errors.invalidRequest(`for: "${body.for.slice(0, 32)}" is not a duration; write e.g. "30m", "2h", "1d" or "1h30m".`);
    until = now + ms;
  } else {
    until = Date.parse(body.until!);
    if (until <= now) throw Errors.invalidRequest('until: the time is in the past.');
  }
  if (until - now > MAX_MUTE_MS) throw Errors.invalidRequest(`${body.for !== undefined ? 'for' : 'until'}: a mute lasts at most 366 days; unsubscribe instead.`);
  return until;
}

export async function muteSubscription(h: Herald, sub: SubscriptionRecord, until: number, actor: string): Promise<SubscriptionRecord> {
  const next: SubscriptionRecord = { ...sub, mutedUntil: new Date(until).toISOString() };
  await h.subscriptions.update(next, { actor, action: 'subscription.mute', target: sub.id, details: { topic: sub.topic, until: next.mutedUntil } });
  return next;
}

export async function unmuteSubscription(h: Herald, sub: SubscriptionRecord, actor: string): Promise<SubscriptionRecord> {
  const next: SubscriptionRecord = { ...sub };
  delete next.mutedUntil;
  await h.subscriptions.update(next, { actor, action: 'subscription.unmute', target: sub.id, details: { topic: sub.topic } });
  return next;
}

export function subscriptionChangeRoutes(h: Herald): Router {
  const r = Router();

  r.patch('/subscriptions/:id', requireAdmin, async (req, res) => {
    const sub = await subscriptionOr404(h, req.params.id as string);
    const body = req.body as unknown;
    const fixed = body && typeof body === 'object' ? FIXED.find((k) => Object.hasOwn(body, k)) : undefined;
    if (fixed) {
      throw Errors.invalidRequest(`${fixed}: protocol, endpoint and secret are fixed; delete the subscription and subscribe again to change them.`);
    }
    const patch = parse(patchBody, body);
    res.json(subscriptionView(await changeSubscription(h, sub, patch, req.principal!.name)));
  });

  r.post('/subscriptions/:id/mute', requireAdmin, async (req, res) => {
    const sub = await subscriptionOr404(h, req.params.id as string);
    const until = muteEnd(parse(muteBody, req.body ?? {}));
    res.json(subscriptionView(await muteSubscription(h, sub, until, req.principal!.name)));
  });

  r.delete('/subscriptions/:id/mute', requireAdmin, async (req, res) => {
    const sub = await subscriptionOr404(h, req.params.id as string);
    res.json(subscriptionView(await unmuteSubscription(h, sub, req.principal!.name)));
  });

  /** Dry run: which subscriptions a publish of this body would reach now; nothing is stored or sent. */
  r.post('/topics/:name/match', requireAdmin, async (req, res) => {
    const topic = await topicOr404(h, req.params.name as string);
    const body = req.body as unknown;
    const format = typeof req.query.format === 'string' ? req.query.format : undefined;
    const intake = format ? h.intakes.find((i) => i.name === format) : h.intakes.find((i) => i.detect(body, 'application/json'));
    if (!intake) throw Errors.invalidRequest(format ? `Unknown format "${format.slice(0, 32)}".` : 'The body is not a message this topic can take.');
    const draft = intake.read(body, { topic: topic.name, timeZone: h.config.publish.timeZone });
    const subs = await h.subscriptions.listByTopic(topic.name);
    const plan = planFanOut(draft, subs, Date.now());
    const reached = new Set(plan.targets.map((t) => t.sub.id));
    res.json({
      deliveries: plan.targets.length,
      reached: plan.targets.map((t) => ({
        subscriptionId: t.sub.id,
        protocol: t.sub.protocol,
        endpoint: t.sub.maskedEndpoint,
        remark: t.sub.remark,
        status: t.status,
        alerts: t.alerts?.length,
        releaseAt: t.releaseAt ? new Date(t.releaseAt).toISOString() : undefined,
      })),
      notReached: subs
        .filter((s) => !reached.has(s.id))
        .map((s) => ({ subscriptionId: s.id, protocol: s.protocol, endpoint: s.maskedEndpoint, remark: s.remark, filter: s.filter })),
    });
  });

  return r;
}

/** Subscriptions: endpoints and secrets go in, only masked endpoints ever come out. */
import { Router } from 'express';
import { z } from 'zod';
import { EndpointError } from '../../../adapters/types.js';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { mentionsSchema } from '../../publish/intakes/json.js';
import { filterSchema, normalizeFilter } from '../../routing/filter.js';
import { quietHoursSchema } from '../../routing/quiet-hours.js';
import { newId } from '../../store/ids.js';
import type { SubscriptionRecord } from '../../store/subscriptions.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';
import { topicOr404 } from './topics.js';

/** A subscription's pool: its endpoint and up to this many more robots. */
export const MAX_EXTRA_ROBOTS = 9;

const createBody = z.strictObject({
  protocol: z.string(),
  endpoint: z.string().min(1).max(2048),
  secret: z.string().min(1).max(512).optional(),
  keyword: z.string().min(1).max(64).optional(),
  mentions: mentionsSchema.optional(),
  remark: z.string().max(256).optional(),
  filter: filterSchema.optional(),
  quietHours: quietHoursSchema.optional(),
  /** more robots of the same group: each message goes through whichever has room */
  extraRobots: z
    .array(z.strictObject({ endpoint: z.string().min(1).max(2048), secret: z.string().min(1).max(512).optional() }))
    .max(MAX_EXTRA_ROBOTS, `at most ${MAX_EXTRA_ROBOTS} extra robots`)
    .optional(),
});

export const subscriptionView = (s: SubscriptionRecord) => ({
  id: s.id,
  topic: s.topic,
  protocol: s.protocol,
  endpoint: s.maskedEndpoint,
  hasSecret: !!s.secret,
  extraRobots: s.extraRobots?.map((r) => ({ endpoint: r.maskedEndpoint, hasSecret: !!r.secret })),
  keyword: s.keyword,
  mentions: s.mentions,
  remark: s.remark,
  filter: s.filter,
  quietHours: s.quietHours,
  // a mute that ended is not shown: it ended by itself
  mutedUntil: s.mutedUntil && Date.parse(s.mutedUntil) > Date.now() ? s.mutedUntil : undefined,
  status: s.status,
  source: s.source,
  chat: s.chat,
  createdAt: s.createdAt,
});

export interface NewSubscription {
  topic: string;
  protocol: string;
  endpoint: string;
  secret?: string;
  keyword?: string;
  mentions?: SubscriptionRecord['mentions'];
  remark?: string;
  filter?: SubscriptionRecord['filter'];
  quietHours?: SubscriptionRecord['quietHours'];
  extraRobots?: { endpoint: string; secret?: string }[];
  source: SubscriptionRecord['source'];
  chat?: SubscriptionRecord['chat'];
  actor: string;
}

/** Shared by the API and the chat commands: validates, checks quota and duplicates, stores, audits. */
export async function addSubscription(h: Herald, input: NewSubscription): Promise<{ sub: SubscriptionRecord; created: boolean }> {
  const adapter = h.adapters.get(input.protocol);
  if (!adapter) throw Errors.unsupportedProtocol(`Protocol must be one of ${[...h.adapters.keys()].join(', ')}.`);
  let endpoint: string;
  try {
    endpoint = adapter.normalizeEndpoint(input.endpoint.trim());
  } catch (err) {
    if (err instanceof EndpointError) throw Errors.invalidEndpoint(err.message);
    throw err;
  }
  if (input.source === 'api') await h.policy.check(adapter, endpoint);
  const extras: string[] = [];
  for (const [i, r] of (input.extraRobots ?? []).entries()) {
    let extra: string;
    try {
      extra = adapter.normalizeEndpoint(r.endpoint.trim());
    } catch (err) {
      if (err instanceof EndpointError) throw Errors.invalidEndpoint(`extraRobots[${i}]: ${err.message}`);
      throw err;
    }
    if (extra === endpoint || extras.includes(extra)) throw Errors.invalidEndpoint(`extraRobots[${i}] is the same robot as another in this subscription.`);
    if (input.source === 'api') await h.policy.check(adapter, extra);
    extras.push(extra);
  }
  if ((await h.subscriptions.countByTopic(input.topic)) >= h.config.quotas.subscriptionsPerTopic) {
    throw Errors.quotaExceeded(
      `The topic has ${h.config.quotas.subscriptionsPerTopic} subscriptions, its quota (quotas.subscriptionsPerTopic).`,
    );
  }
  const rec: SubscriptionRecord = {
    id: newId('s'),
    topic: input.topic,
    protocol: input.protocol,
    endpoint: h.subscriptions.seal(endpoint),
    secret: input.secret ? h.subscriptions.seal(input.secret) : undefined,
    ...(extras.length
      ? {
          extraRobots: extras.map((e, i) => {
            const secret = input.extraRobots![i]!.secret;
            return { endpoint: h.subscriptions.seal(e), ...(secret ? { secret: h.subscriptions.seal(secret) } : {}), maskedEndpoint: adapter.maskEndpoint(e) };
          }),
        }
      : {}),
    fingerprint: h.subscriptions.fingerprint(input.topic, endpoint),
    maskedEndpoint: adapter.maskEndpoint(endpoint),
    keyword: input.keyword,
    mentions: input.mentions,
    remark: input.remark,
    filter: normalizeFilter(input.filter),
    quietHours: input.quietHours,
    status: 'active',
    source: input.source,
    chat: input.chat,
    createdBy: input.actor,
    createdAt: new Date().toISOString(),
  };
  // the quota again, atomically with the write: concurrent subscribes cannot pass it; the audit entry is written with it
  const audit = {
    actor: input.actor,
    action: 'subscription.create',
    target: rec.id,
    details: { topic: rec.topic, protocol: rec.protocol, source: rec.source, ...(extras.length ? { extraRobots: extras.length } : {}) },
  };
  const { created, id, full } = await h.subscriptions.create(rec, h.config.quotas.subscriptionsPerTopic, audit);
  if (full) {
    throw Errors.quotaExceeded(
      `The topic has ${h.config.quotas.subscriptionsPerTopic} subscriptions, its quota (quotas.subscriptionsPerTopic).`,
    );
  }
  if (!created) return { sub: (await h.subscriptions.get(id)) ?? rec, created: false };
  return { sub: rec, created: true };
}

export async function removeSubscription(h: Herald, sub: SubscriptionRecord, actor: string): Promise<void> {
  await h.subscriptions.remove(sub, { actor, action: 'subscription.delete', target: sub.id, details: { topic: sub.topic, protocol: sub.protocol } });
}

export async function subscriptionOr404(h: Herald, id: string): Promise<SubscriptionRecord> {
  const sub = /^[a-z0-9]{1,64}$/.test(id) ? await h.subscriptions.get(id) : undefined;
  if (!sub) throw Errors.subscriptionNotFound();
  return sub;
}

export function subscriptionRoutes(h: Herald): Router {
  const r = Router();

  r.post('/topics/:name/subscriptions', requireAdmin, async (req, res) => {
    const topic = await topicOr404(h, req.params.name as string);
    const body = parse(createBody, req.body);
    const { sub, created } = await addSubscription(h, { ...body, topic: topic.name, source: 'api', actor: req.principal!.name });
    if (!created) throw Errors.subscriptionExists(`This endpoint is subscribed to "${topic.name}" already as ${sub.id}.`);
    res.status(201).json(subscriptionView(sub));
  });

  r.get('/topics/:name/subscriptions', requireAdmin, async (req, res) => {
    const topic = await topicOr404(h, req.params.name as string);
    const subs = (await h.subscriptions.listByTopic(topic.name)).sort((a, b) => a.id.localeCompare(b.id));
    res.json({ subscriptions: subs.map(subscriptionView) });
  });

  const subOr404 = (id: string) => subscriptionOr404(h, id);

  r.get('/subscriptions/:id', requireAdmin, async (req, res) => {
    res.json(subscriptionView(await subOr404(req.params.id as string)));
  });

  r.delete('/subscriptions/:id', requireAdmin, async (req, res) => {
    await removeSubscription(h, await subOr404(req.params.id as string), req.principal!.name);
    res.status(204).end();
  });

  return r;
}

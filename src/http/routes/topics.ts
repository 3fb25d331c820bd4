/** /v1/topics: SMN topics. Deleting a topic deletes its subscriptions. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { TOPIC_NAME, type Topic } from '../../store/topics.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';

const createBody = z.strictObject({ name: z.string(), displayName: z.string().max(192).optional() });
const patchBody = z.strictObject({ displayName: z.string().max(192) });

export function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name)) throw Errors.invalidTopicName();
}

export async function topicOr404(h: Herald, name: string): Promise<Topic> {
  const topic = TOPIC_NAME.test(name) ? await h.topics.get(name) : undefined;
  if (!topic) throw Errors.topicNotFound(`No topic is named "${name.slice(0, 255)}"; create it with POST /v1/topics.`);
  return topic;
}

export function topicRoutes(h: Herald): Router {
  const r = Router();

  const view = async (t: Topic) => ({ ...t, subscriptionCount: await h.subscriptions.countByTopic(t.name) });

  r.post('/topics', requireAdmin, async (req, res) => {
    const body = parse(createBody, req.body);
    checkTopicName(body.name);
    const now = new Date().toISOString();
    const topic: Topic = { name: body.name, displayName: body.displayName ?? body.name, createdAt: now, updatedAt: now };
    // name and quota checked with the write, atomically (src/store/store.ts batchIf); the audit entry is written with it
    const result = await h.topics.create(topic, h.config.quotas.topics, { actor: req.principal!.name, action: 'topic.create', target: body.name });
    if (result === 'exists') throw Errors.topicExists(`A topic named "${body.name}" exists already.`);
    if (result === 'full') throw Errors.quotaExceeded(`The quota of ${h.config.quotas.topics} topics is reached (quotas.topics).`);
    res.status(201).json(await view(topic));
  });

  r.get('/topics', requireAdmin, async (_req, res) => {
    const topics = (await h.topics.list()).sort((a, b) => a.name.localeCompare(b.name));
    res.json({ topics: await Promise.all(topics.map(view)) });
  });

  r.get('/topics/:name', requireAdmin, async (req, res) => {
    res.json(await view(await topicOr404(h, req.params.name as string)));
  });

  r.patch('/topics/:name', requireAdmin, async (req, res) => {
    const topic = await topicOr404(h, req.params.name as string);
    const body = parse(patchBody, req.body);
    const updated = { ...topic, displayName: body.displayName, updatedAt: new Date().toISOString() };
    await h.topics.update(updated, { actor: req.principal!.name, action: 'topic.update', target: topic.name, details: { displayName: body.displayName } });
    res.json(await view(updated));
  });

  r.delete('/topics/:name', requireAdmin, async (req, res) => {
    const topic = await topicOr404(h, req.params.name as string);
    const subs = await h.subscriptions.listByTopic(topic.name);
    // the topic, its subscriptions and the audit entry go in one batch
    const audit = { actor: req.principal!.name, action: 'topic.delete', target: topic.name, details: { subscriptionsDeleted: subs.map((s) => s.id) } };
    await h.subscriptions.removeMany(subs, h.topics.removeOps(topic.name, Date.now(), audit));
    res.status(204).end();
  });

  return r;
}

/** Delivery records: one message with its per-subscription deliveries; failed ones listed and replayed. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import type { DeliveryRecord, MessageRecord } from '../../store/messages.js';
import { canPublish, requireAdmin } from '../auth.js';
import { parse } from '../validate.js';
import { topicOr404 } from './topics.js';

const ID = /^[a-z0-9]{1,64}$/;
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export const deliveryView = (d: DeliveryRecord) => ({
  id: d.id,
  subscriptionId: d.subscriptionId,
  protocol: d.protocol,
  status: d.status,
  attempts: d.attempts,
  parts: d.parts,
  lastError: d.lastError,
  lastCode: d.lastCode,
  nextAttemptAt: d.nextAttemptAt ? new Date(d.nextAttemptAt).toISOString() : undefined,
  deliveredAt: d.deliveredAt,
  platformMessageId: d.platformMessageId,
  editedMessageId: d.editedMessageId,
});

export function messageRoutes(h: Herald): Router {
  const r = Router();

  const view = async (m: MessageRecord) => ({
    id: m.id,
    topic: m.topic,
    subject: m.subject,
    level: m.level,
    source: m.source,
    createdAt: m.createdAt,
    deliveries: (await h.messages.deliveriesOf(m)).map(deliveryView),
  });

  r.get('/messages/:id', async (req, res) => {
    const id = req.params.id as string;
    const m = ID.test(id) ? await h.messages.getMessage(id) : undefined;
    if (!m) throw Errors.messageNotFound();
    if (!canPublish(req.principal, m.topic)) throw Errors.forbidden('This token may not read records of this topic.');
    res.json(await view(m));
  });

  r.get('/topics/:name/messages', async (req, res) => {
    const name = req.params.name as string;
    if (!canPublish(req.principal, name)) throw Errors.forbidden('This token may not read records of this topic.');
    const topic = await topicOr404(h, name);
    const { limit } = parse(limitQuery, req.query);
    const list = await h.messages.listByTopic(topic.name, limit);
    res.json({ messages: await Promise.all(list.map(view)) });
  });

  r.get('/deliveries/failed', requireAdmin, async (req, res) => {
    const { limit } = parse(limitQuery, req.query);
    const list = await h.messages.failed(limit);
    res.json({ deliveries: list.map((d) => ({ ...deliveryView(d), messageId: d.messageId, topic: d.topic })) });
  });

  /** Replays a failed delivery: back to pending with fresh attempts. */
  r.post('/deliveries/:id/replay', requireAdmin, async (req, res) => {
    const id = req.params.id as string;
    const d = /^[a-z0-9]{1,64}\.\d{5}$/.test(id) ? await h.messages.getDelivery(id) : undefined;
    if (!d) throw Errors.notFound('No delivery has this id.');
    if (d.status !== 'failed') throw Errors.invalidRequest(`Only failed deliveries can be replayed; this one is ${d.status}.`);
    const replay: DeliveryRecord = { ...d, status: 'pending', attempts: 0, nextAttemptAt: undefined, updatedAt: new Date().toISOString() };
    await h.messages.saveDelivery(replay);
    await h.queue.enqueue([{ id: d.id, runAt: Date.now() }]);
    await h.audit.record(req.principal!.name, 'delivery.replay', d.id, { topic: d.topic });
    res.status(202).json(deliveryView(replay));
  });

  return r;
}

/** Delivery records: one message with its per-subscription deliveries; failed ones listed and replayed. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { type DeliveryRecord, type MessageRecord, replayed } from '../../store/messages.js';
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
  updatedAt: d.updatedAt,
  history: d.history ?? [],
  replays: d.replays,
  replayedAt: d.replayedAt,
  platformMessageId: d.platformMessageId,
  editedMessageId: d.editedMessageId,
});

/** In lists, a message's text is cut to this many characters (`textTruncated` says so); GET /v1/messages/{id} has it all. */
export const LIST_TEXT_CHARS = 500;

/** The first n UTF-16 units, never ending in half a surrogate pair. */
const cutAt = (s: string, n: number) => s.slice(0, /[\uD800-\uDBFF]/.test(s.charAt(n - 1)) ? n - 1 : n);

export function messageRoutes(h: Herald): Router {
  const r = Router();

  const view = async (m: MessageRecord, clip?: number) => {
    const text = m.text ?? m.bodies.default ?? Object.values(m.bodies)[0] ?? '';
    const cut = clip !== undefined && text.length > clip;
    return {
      id: m.id,
      topic: m.topic,
      subject: m.subject,
      text: cut ? `${cutAt(text, clip)}…` : text,
      textTruncated: cut || undefined,
      level: m.level,
      format: m.format,
      source: m.source,
      attributes: m.attributes,
      createdAt: m.createdAt,
      deliveries: (await h.messages.deliveriesOf(m)).map(deliveryView),
    };
  };

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
    res.json({ messages: await Promise.all(list.map((m) => view(m, LIST_TEXT_CHARS))) });
  });

  r.get('/deliveries/failed', requireAdmin, async (req, res) => {
    const { limit } = parse(limitQuery, req.query);
    const list = await h.messages.failed(limit);
    res.json({ deliveries: list.map((d) => ({ ...deliveryView(d), messageId: d.messageId, topic: d.topic })) });
  });

  /** Replays a failed delivery: back to pending with fresh attempts. */
  r.post('/deliveries/:id/replay', requireAdmin, async (req, res) => {
    const id = req.params.id as string;
    const d = /^[a-z0-9]{1,64}\.\d{5,7}$/.test(id) ? await h.messages.getDelivery(id) : undefined;
    if (!d) throw Errors.notFound('No delivery has this id.');
    if (d.status !== 'failed') throw Errors.invalidRequest(`Only failed deliveries can be replayed; this one is ${d.status}.`);
    const replay = replayed(d);
    await h.messages.saveDelivery(replay);
    await h.queue.enqueue([{ id: d.id, runAt: Date.now() }]);
    await h.audit.record(req.principal!.name, 'delivery.replay', d.id, { topic: d.topic });
    res.status(202).json(deliveryView(replay));
  });

  return r;
}

/** Delivery records: one message with its per-subscription deliveries; failed ones listed and replayed. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { auditOps } from '../../store/audit.js';
import { type Cursor, decodeCursor, encodeCursor } from '../../store/cursor.js';
import { idTime } from '../../store/ids.js';
import { type DeliveryRecord, type MessageRecord, replayed } from '../../store/messages.js';
import { canPublish, requireAdmin } from '../auth.js';
import { parse } from '../validate.js';
import { topicOr404 } from './topics.js';

const ID = /^[a-z0-9]{1,64}$/;
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const cursorParam = z.string().max(512).optional();
const time = z.iso.datetime({ offset: true }).transform((t) => Date.parse(t));
const messagesQuery = limitQuery.extend({
  cursor: cursorParam,
  since: time.optional(),
  until: time.optional(),
  /** words the subject or text holds (case-insensitive) */
  q: z.string().min(1).max(200).optional(),
  /** messages with at least one delivery in this status */
  status: z.enum(['pending', 'delivered', 'failed', 'muted', 'held']).optional(),
});

/** Every word of `q` is in the subject or the text. */
export function textMatches(m: MessageRecord, q: string): boolean {
  const hay = `${m.subject ?? ''}\n${m.text ?? m.bodies.default ?? Object.values(m.bodies)[0] ?? ''}`.toLocaleLowerCase();
  return q
    .toLocaleLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}
const deliveriesQuery = limitQuery.extend({
  cursor: cursorParam,
  status: z.enum(['pending', 'delivered', 'failed', 'muted', 'held']).optional(),
  topic: z.string().max(255).optional(),
  subscription: z.string().regex(/^[a-z0-9]{1,64}$/).optional(),
});

function cursorOf(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  const c = decodeCursor(text);
  if (!c) throw Errors.invalidRequest('cursor: not a cursor this Herald gave out; pass `next` from the previous page unchanged, or start again without it.');
  return c;
}
const nextOf = (c: Cursor | null) => (c ? encodeCursor(c) : null);

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
  // quiet hours: when a held delivery goes out; a digest (quiet hours or a robot at its limit): what carried it, what it carries
  releaseAt: d.releaseAt ? new Date(d.releaseAt).toISOString() : undefined,
  digest: d.digest,
  carries: d.carries,
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
      carries: m.carries,
      deliveries: (await h.messages.deliveriesOf(m)).map(deliveryView),
    };
  };

  r.get('/messages/:id', async (req, res) => {
    const id = req.params.id as string;
    const m = ID.test(id) ? await h.messages.getMessage(id) : undefined;
    if (!m) throw Errors.messageNotFound();
    // a record of a deleted topic is gone with it, even before the sweep deletes it
    const topic = await h.topics.get(m.topic);
    if (!topic || idTime(m.id) < Date.parse(topic.createdAt)) throw Errors.messageNotFound();
    if (!canPublish(req.principal, m.topic)) throw Errors.forbidden('This token may not read records of this topic.');
    res.json(await view(m));
  });

  r.get('/topics/:name/messages', async (req, res) => {
    const name = req.params.name as string;
    if (!canPublish(req.principal, name)) throw Errors.forbidden('This token may not read records of this topic.');
    const topic = await topicOr404(h, name);
    const q = parse(messagesQuery, req.query);
    const page = await h.messages.listMessages({
      topic: topic.name,
      limit: q.limit,
      since: q.since,
      until: q.until,
      notBefore: Date.parse(topic.createdAt),
      cursor: cursorOf(q.cursor),
      match: q.q ? (m) => textMatches(m, q.q!) : undefined,
    });
    let views = await Promise.all(page.messages.map((m) => view(m, LIST_TEXT_CHARS)));
    // a status is the deliveries', read with them: a page may hold fewer than `limit`; `next` goes on
    if (q.status) views = views.filter((v) => v.deliveries.some((d) => d.status === q.status));
    res.json({ messages: views, next: nextOf(page.next) });
  });

  const listedDelivery = (d: DeliveryRecord) => ({ ...deliveryView(d), messageId: d.messageId, topic: d.topic });

  /** Deliveries by status, topic and subscription, newest message first; `next` pages on. */
  r.get('/deliveries', requireAdmin, async (req, res) => {
    const q = parse(deliveriesQuery, req.query);
    let topicName = q.topic;
    if (q.subscription && !topicName) topicName = (await h.subscriptions.get(q.subscription))?.topic;
    const topic = topicName ? await h.topics.get(topicName) : undefined;
    if (q.topic && !topic) throw Errors.topicNotFound(`No topic is named "${q.topic.slice(0, 255)}".`);
    const page = await h.messages.listDeliveries({
      limit: q.limit,
      status: q.status,
      topic: topic?.name,
      subscriptionId: q.subscription,
      notBefore: topic ? Date.parse(topic.createdAt) : undefined,
      cursor: cursorOf(q.cursor),
    });
    res.json({ deliveries: page.deliveries.map(listedDelivery), next: nextOf(page.next) });
  });

  /** The failed ones: GET /v1/deliveries?status=failed. */
  r.get('/deliveries/failed', requireAdmin, async (req, res) => {
    const q = parse(limitQuery.extend({ cursor: cursorParam }), req.query);
    const page = await h.messages.listDeliveries({ status: 'failed', limit: q.limit, cursor: cursorOf(q.cursor) });
    res.json({ deliveries: page.deliveries.map(listedDelivery), next: nextOf(page.next) });
  });

  /** Replays a failed delivery: back to pending with fresh attempts. */
  r.post('/deliveries/:id/replay', requireAdmin, async (req, res) => {
    const id = req.params.id as string;
    const d = /^[a-z0-9]{1,64}\.\d{5,7}$/.test(id) ? await h.messages.getDelivery(id) : undefined;
    if (!d) throw Errors.notFound('No delivery has this id.');
    if (d.status !== 'failed') throw Errors.invalidRequest(`Only failed deliveries can be replayed; this one is ${d.status}.`);
    const replay = replayed(d);
    // the record and its audit entry in one batch
    await h.messages.commit([...h.messages.saveOps(replay), ...auditOps({ actor: req.principal!.name, action: 'delivery.replay', target: d.id, details: { topic: d.topic } })]);
    await h.queue.enqueue([{ id: d.id, runAt: Date.now() }]);
    res.status(202).json(deliveryView(replay));
  });

  return r;
}

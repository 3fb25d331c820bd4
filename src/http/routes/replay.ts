/**
 * `POST /v1/deliveries/replay {status: "failed", topic?, subscription?, since?, until?, dryRun?}`:
 * every matching failed delivery goes back to pending with a fresh attempt history, in one call,
 * answered with how many. `dryRun` only counts (the console's "Replay all 37").
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { auditOps } from '../../store/audit.js';
import type { Cursor } from '../../store/cursor.js';
import { type DeliveryRecord, replayed } from '../../store/messages.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';

/** Deliveries one call replays at most; `more: true` says to call again. */
export const MAX_REPLAY = 5_000;
/** Written and queued in batches of this many. */
const BATCH = 200;
/** Read from the failed index a page at a time. */
const PAGE = 500;

const ID = /^[a-z0-9]{1,64}$/;
const replayBody = z.strictObject({
  status: z.literal('failed', { message: 'only failed deliveries are replayed: give "status": "failed"' }),
  topic: z.string().min(1).max(255).optional(),
  subscription: z.string().regex(ID, 'a subscription id').optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  dryRun: z.boolean().optional(),
});
export type ReplayFilter = z.infer<typeof replayBody>;

/** Does a failed delivery match? Times are when it failed (its last change). */
export function matches(d: DeliveryRecord, f: ReplayFilter): boolean {
  if (d.status !== 'failed') return false;
  if (f.topic !== undefined && d.topic !== f.topic) return false;
  if (f.subscription !== undefined && d.subscriptionId !== f.subscription) return false;
  const at = Date.parse(d.updatedAt);
  if (f.since !== undefined && at < Date.parse(f.since)) return false;
  if (f.until !== undefined && at >= Date.parse(f.until)) return false;
  return true;
}

export function replayRoutes(h: Herald): Router {
  const r = Router();

  r.post('/deliveries/replay', requireAdmin, async (req, res) => {
    const f = parse(replayBody, req.body);
    // newest first through the records' failed index; one more than the cap tells whether more remain
    const topic = f.topic ? await h.topics.get(f.topic) : undefined;
    if (f.topic && !topic) throw Errors.topicNotFound(`No topic is named "${f.topic.slice(0, 255)}".`);
    const all: DeliveryRecord[] = [];
    let cursor: Cursor | undefined;
    let counted = 0;
    for (;;) {
      const page = await h.messages.listDeliveries({
        status: 'failed',
        topic: topic?.name,
        subscriptionId: f.subscription,
        notBefore: topic ? Date.parse(topic.createdAt) : undefined,
        match: (d) => matches(d, f),
        limit: PAGE,
        cursor,
      });
      counted += page.deliveries.length;
      if (all.length <= MAX_REPLAY) all.push(...page.deliveries.slice(0, MAX_REPLAY + 1 - all.length));
      if (!page.next || (!f.dryRun && all.length > MAX_REPLAY)) break;
      cursor = page.next;
    }
    const chosen = all.slice(0, MAX_REPLAY);
    const more = all.length > chosen.length;
    if (f.dryRun) {
      res.json({ matched: counted, replayed: 0, more });
      return;
    }
    // every record (back to pending) and the audit entry in one batch, then queued a batch at a time;
    // a pending record is queued again at start-up should the process stop in between
    const filter = { topic: f.topic, subscription: f.subscription, since: f.since, until: f.until };
    const audit = { actor: req.principal!.name, action: 'delivery.replay-all', target: f.topic ?? '*', details: { ...filter, count: chosen.length } };
    const replays = chosen.map((d) => replayed(d));
    await h.messages.commit([...replays.flatMap((d) => h.messages.saveOps(d)), ...auditOps(audit)]);
    for (let i = 0; i < replays.length; i += BATCH) {
      await h.queue.enqueue(replays.slice(i, i + BATCH).map((d) => ({ id: d.id, runAt: Date.now() })));
    }
    res.status(202).json({ matched: more ? counted : chosen.length, replayed: chosen.length, more });
  });

  return r;
}

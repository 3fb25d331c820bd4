/** GET /v1/silences (made through Herald, with Alertmanager's state) and DELETE /v1/silences/{id} (lift one). */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { HeraldError } from '../../errors.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';

const query = z.object({
  topic: z.string().min(1).max(255).optional(),
  active: z.enum(['true', 'false']).optional(),
});
const ID = /^[A-Za-z0-9-]{1,64}$/;

const unconfigured = () =>
  new HeraldError(404, 'alertmanager_not_configured', 'No Alertmanager is configured: set HERALD_ALERTMANAGER_URL (config alertmanager.url).');

export function silenceRoutes(h: Herald): Router {
  const r = Router();
  r.get('/silences', requireAdmin, async (req, res) => {
    const q = parse(query, req.query);
    const silences = h.alerts.silences;
    if (!silences) return void res.json({ configured: false, silences: [] });
    const list = await silences.list({ topics: q.topic ? [q.topic] : undefined, activeOnly: q.active === 'true' });
    res.json({ configured: true, silences: list });
  });
  r.delete('/silences/:id', requireAdmin, async (req, res) => {
    const silences = h.alerts.silences;
    if (!silences) throw unconfigured();
    const id = String(req.params.id);
    if (!ID.test(id)) throw new HeraldError(404, 'silence_not_found', 'Herald made no silence with this id.');
    const actor = req.principal!.name;
    await silences.expire(id, actor, actor);
    res.status(204).end();
  });
  return r;
}

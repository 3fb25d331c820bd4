/** GET /v1/audit: every admin change, newest first. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';

const query = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().regex(/^[a-z0-9]{1,64}$/).optional(),
});

export function auditRoutes(h: Herald): Router {
  const r = Router();
  r.get('/audit', requireAdmin, async (req, res) => {
    const q = parse(query, req.query);
    res.json({ entries: await h.audit.list(q.limit, q.before) });
  });
  return r;
}

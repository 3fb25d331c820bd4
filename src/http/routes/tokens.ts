/** /v1/tokens: scoped API tokens, shown once at creation and stored hashed. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { hashToken, newToken, type TokenRecord } from '../../store/tokens.js';
import { TOPIC_NAME } from '../../store/topics.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const scope = z
  .string()
  .refine(
    (s) => s === 'admin' || s === 'publish:*' || (s.startsWith('publish:') && TOPIC_NAME.test(s.slice(8))),
    'scopes are "admin", "publish:*" or "publish:<topic>"',
  );
/**
 * Names the system itself acts under: the master admin token (`admin`, in the audit trail and the
 * publish rate bucket), silence links (`link`), chat users (`chat:…`), Herald's own jobs.
 */
export const RESERVED_TOKEN_NAMES = ['admin', 'link', 'chat', 'system', 'herald'] as const;
const isReserved = (name: string) => (RESERVED_TOKEN_NAMES as readonly string[]).includes(name.toLowerCase());

const createBody = z.strictObject({
  name: z
    .string()
    .regex(NAME, 'token names are 1-64 letters, digits, ".", "-" or "_"')
    .refine((n) => !isReserved(n), `this name is reserved (${RESERVED_TOKEN_NAMES.join(', ')}); choose another`),
  scopes: z.array(scope).min(1).max(100),
});

const view = (t: TokenRecord) => ({ name: t.name, scopes: t.scopes, createdAt: t.createdAt, createdBy: t.createdBy, lastUsedAt: t.lastUsedAt });

export function tokenRoutes(h: Herald): Router {
  const r = Router();

  r.post('/tokens', requireAdmin, async (req, res) => {
    const body = parse(createBody, req.body);
    const token = newToken();
    const rec: TokenRecord = {
      name: body.name,
      scopes: [...new Set(body.scopes)],
      hash: hashToken(token),
      createdAt: new Date().toISOString(),
      createdBy: req.principal!.name,
    };
    if (!(await h.tokens.create(rec, { actor: req.principal!.name, action: 'token.create', target: rec.name, details: { scopes: rec.scopes } }))) throw Errors.tokenExists();
    res.status(201).json({ ...view(rec), token });
  });

  r.get('/tokens', requireAdmin, async (_req, res) => {
    res.json({ tokens: (await h.tokens.list()).sort((a, b) => a.name.localeCompare(b.name)).map(view) });
  });

  r.delete('/tokens/:name', requireAdmin, async (req, res) => {
    const name = req.params.name as string;
    const rec = NAME.test(name) ? await h.tokens.get(name) : undefined;
    if (!rec) throw Errors.tokenNotFound();
    await h.tokens.remove(rec, { actor: req.principal!.name, action: 'token.delete', target: rec.name });
    res.status(204).end();
  });

  return r;
}

/** GET /v1/whoami: the token's name and scopes, so a client (the console) offers only what it may do. */
import { Router } from 'express';
import type { Herald } from '../../context.js';

export function whoamiRoutes(_h: Herald): Router {
  const r = Router();
  r.get('/whoami', (req, res) => {
    const p = req.principal!;
    res.json({ name: p.name, scopes: p.scopes });
  });
  return r;
}

/** GET /v1/protocols: what this Herald can deliver to, described by each adapter (any valid token). */
import { Router } from 'express';
import { adapterFactories } from '../../../adapters/index.js';
import type { Herald } from '../../context.js';
import { protocolInfo } from '../../protocols/describe.js';

export function protocolRoutes(h: Herald): Router {
  const r = Router();
  r.get('/protocols', (_req, res) => {
    const protocols = adapterFactories
      .filter((f) => h.adapters.has(f.protocol))
      .map((f) =>
        protocolInfo(f, { rateLimits: h.config.platforms[f.protocol]?.rateLimits, allowedHosts: h.adapters.get(f.protocol)?.allowedHosts }),
      );
    res.json({ protocols });
  });
  return r;
}

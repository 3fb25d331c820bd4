/** /healthz: the process serves. /readyz: the store and the queue answer, and the store takes writes. */
import { Router } from 'express';
import type { Herald } from '../../context.js';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

export function healthRoutes(h: Herald): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      // a full disk or a Redis out of memory still answers reads: a write probe tells (src/store/write-health.ts)
      within(h.store.ping(), 2000)
        .then(() => within(h.store.writable(), 2000))
        .then(
          (cannotWrite) => (checks.store = cannotWrite ? `cannot write: ${cannotWrite}` : 'ok'),
          (e: Error) => (checks.store = e.message),
        ),
      within(h.queue.ping(), 2000).then(
        () => (checks.queue = 'ok'),
        (e: Error) => (checks.queue = e.message),
      ),
    ]);
    const ready = !h.state.shuttingDown && Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : h.state.shuttingDown ? 'shutting down' : 'not ready', checks });
  });
  return r;
}

/**
 * POST /v1/topics/{name}/publish — the one publish endpoint. Any content type is read as text
 * first (so `curl -d 'backup done'` works); JSON content types are then parsed, and the first intake
 * that recognises the shape reads it, unless `?format=` names one (src/publish/read-draft.ts). A text
 * body takes its subject, level and mentions from `Title`/`X-Title`, `Level`/`X-Level`, `X-Mention`
 * or `?title=&level=&mention=`, as ntfy does.
 */
import express, { Router } from 'express';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { headerText, readDraft } from '../../publish/read-draft.js';
import { authenticate, canPublish } from '../auth.js';
import { publishLimiterOf } from '../rate-limit.js';
import { topicOr404 } from './topics.js';

export function publishRoutes(h: Herald): Router {
  const r = Router();
  const readText = express.text({ type: () => true, limit: h.config.quotas.messageBytes, defaultCharset: 'utf-8' });

  r.post('/topics/:name/publish', authenticate(h, { allowQuery: true }), async (req, res) => {
    if (h.state.shuttingDown) throw Errors.shuttingDown();
    const name = req.params.name as string;
    // scope first: a publish the token may not make is refused without spending its rate bucket
    if (!canPublish(req.principal, name)) throw Errors.forbidden(`This token may not publish to "${name.slice(0, 255)}".`);
    await publishLimiterOf(h).take(req.principal!.name);
    await topicOr404(h, name);
    await new Promise<void>((resolve, reject) =>
      readText(req, res, (err?: unknown) => {
        if (!err) return resolve();
        // the publish body's own limit; the admin API's 1 MB is worded by the error handler
        if ((err as { type?: string }).type === 'entity.too.large') {
          return reject(Errors.payloadTooLarge(`The body is larger than quotas.messageBytes (${h.config.quotas.messageBytes} bytes).`));
        }
        reject(err);
      }),
    );
    const q = (param: string) => (typeof req.query[param] === 'string' ? (req.query[param] as string) : undefined);
    const draft = readDraft(h, name, {
      body: typeof req.body === 'string' ? req.body : '',
      contentType: req.get('content-type') ?? 'text/plain',
      format: q('format'),
      extras: {
        title: headerText(req.get('x-title') ?? req.get('title')) ?? q('title'),
        level: headerText(req.get('x-level') ?? req.get('level')) ?? q('level'),
        mention: headerText(req.get('x-mention')) ?? q('mention'),
      },
    });
    const key = req.get('idempotency-key');
    if (key !== undefined && (key.length === 0 || key.length > 255)) {
      throw Errors.invalidRequest('Idempotency-Key must be 1-255 characters.');
    }
    const result = await h.publish(name, draft, key);
    res.status(202).json(result);
  });

  return r;
}

/**
 * POST /v1/topics/{name}/publish — the one publish endpoint. Any content type is read as text
 * first (so `curl -d 'backup done'` works); JSON content types are then parsed, and the first intake
 * that recognises the shape reads it, unless `?format=` names one.
 */
import express, { Router } from 'express';
import { alertActions as alertActionsOf } from '../../alerts/actions.js';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { authenticate, canPublish } from '../auth.js';
import { publishLimiterOf } from '../rate-limit.js';
import { topicOr404 } from './topics.js';

const isJsonType = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type);

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
    const raw = typeof req.body === 'string' ? req.body : '';
    const type = req.get('content-type') ?? 'text/plain';
    let body: unknown = raw;
    if (isJsonType(type)) {
      try {
        body = JSON.parse(raw);
      } catch {
        throw Errors.invalidJson('The body is not valid JSON: check quotes, commas and brackets.');
      }
    }
    const format = typeof req.query.format === 'string' ? req.query.format : undefined;
    const intake = format ? h.intakes.find((i) => i.name === format) : h.intakes.find((i) => i.detect(body, type));
    if (!intake) {
      throw format
        ? Errors.invalidRequest(`Unknown format "${format.slice(0, 32)}"; use one of ${h.intakes.map((i) => i.name).join(', ')}.`)
        : Errors.invalidRequest('The body is neither a message object nor text.');
    }
    const links = h.alerts.links;
    const silenceLink = links ? (a: { alertname: string; labels: Record<string, string>; fingerprint?: string }) => links.url({ topic: name, ...a }) : undefined;
    const alertActions = links ? (a: { alertname: string; labels: Record<string, string>; fingerprint?: string }) => alertActionsOf(links, { topic: name, ...a }) : undefined;
    const draft = intake.read(body, { topic: name, timeZone: h.config.publish.timeZone, silenceLink, alertActions });
    const key = req.get('idempotency-key');
    if (key !== undefined && (key.length === 0 || key.length > 255)) {
      throw Errors.invalidRequest('Idempotency-Key must be 1-255 characters.');
    }
    const result = await h.publish(name, draft, key);
    res.status(202).json(result);
  });

  return r;
}

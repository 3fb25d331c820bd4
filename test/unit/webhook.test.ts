/** The webhook adapter: the envelope, Herald's signature (checked by an independent verifier), answers. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyHttp, webhookAdapter } from '../../adapters/webhook/index.js';
import { verifyWebhook } from '../../adapters/webhook/sign.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { createLogger } from '../../src/log.js';
import { startReceiver } from '../helpers/receiver.js';

const log = createLogger({ level: 'error', format: 'json' });
const http = createHttpClient({ timeoutMs: 2000 });
const adapter = webhookAdapter.create({ config: { rateLimits: [] }, log, http, now: Date.now });
const msg = {
  messageId: 'm1',
  deliveryId: 'm1.00000',
  topic: 't',
  subject: 'S',
  text: 'hello',
  format: 'markdown' as const,
  level: 'info' as const,
  mentions: {},
  attributes: { env: 'prod' },
  createdAt: '2026-11-25T00:00:00.000Z',
};

describe('webhook adapter', () => {
  it('posts the envelope signed so that a receiver computing the HMAC itself accepts it', async () => {
    const rx = await startReceiver();
    const target = { subscriptionId: 's', endpoint: `${rx.url}/in`, secret: 'shh' };
    const [payload] = adapter.render(msg, target);
    const now = 1_764_100_000_000;
    const out = await adapter.send(target, payload, { http, now: () => now, log });
    expect(out).toEqual({ ok: true });
    const hit = rx.hits[0]!;
    expect(hit.json).toMatchObject({ messageId: 'm1', deliveryId: 'm1.00000', topic: 't', subject: 'S', message: 'hello', attributes: { env: 'prod' } });
    const ts = hit.headers['x-herald-timestamp'] as string;
    expect(ts).toBe('1764100000');
    const independent = `sha256=${createHmac('sha256', 'shh').update(`${ts}.${hit.body}`).digest('hex')}`;
    expect(hit.headers['x-herald-signature']).toBe(independent);
    expect(verifyWebhook('shh', ts, hit.body, independent, 1_764_100_100)).toBe(true);
    expect(verifyWebhook('shh', ts, hit.body, independent, 1_764_100_000 + 301)).toBe(false); // replay window
    expect(verifyWebhook('other', ts, hit.body, independent, 1_764_100_000)).toBe(false);
    await rx.close();
  });

  it('classifies answers by status', () => {
    expect(classifyHttp(204, new Headers())).toEqual({ ok: true });
    expect(classifyHttp(429, new Headers({ 'retry-after': '7' }))).toMatchObject({ ok: false, kind: 'rate-limited', retryAfterMs: 7000 });
    expect(classifyHttp(503, new Headers())).toMatchObject({ kind: 'transient', code: 503 });
    expect(classifyHttp(408, new Headers())).toMatchObject({ kind: 'transient' });
    expect(classifyHttp(302, new Headers())).toMatchObject({ kind: 'permanent', code: 302 });
    expect(classifyHttp(404, new Headers())).toMatchObject({ kind: 'permanent', code: 404 });
  });

  it('masks the endpoint path and drops the query', () => {
    expect(adapter.maskEndpoint('https://hooks.example.com/services/T000/B000/XXXXXXXX?key=abc')).toBe('https://hooks.example.com/ser…/…?…');
    expect(adapter.maskEndpoint('https://h.example.com/abcdefghijklmnopqrstuvwxyz')).toBe('https://h.example.com/abc…');
    // a short first segment is a credential too (it came back whole before)
    expect(adapter.maskEndpoint('http://host.example/Shhgyv2e9r')).toBe('http://host.example/Shh…');
    expect(adapter.maskEndpoint('https://h.example.com/?token=Shhgyv2e9r')).toBe('https://h.example.com/?…');
    expect(adapter.maskEndpoint('https://h.example.com/')).toBe('https://h.example.com/');
    expect(adapter.maskEndpoint('https://h.example.com/a1/b2')).toBe('https://h.example.com/a1/…');
    // no segment is ever shown beyond 3 characters
    for (const e of ['https://x.example/abcdefgh/ijklmnop?q=rstuvwxyz&r=0123456789', 'http://x.example/Zq9secret', 'https://x.example/p/Secret99?x=1']) {
      const masked = adapter.maskEndpoint(e);
      const path = masked.slice(masked.indexOf('/', 8));
      for (const seg of path.split(/[/?&=]/)) expect(seg.replace('…', '').length).toBeLessThanOrEqual(3);
    }
  });
});

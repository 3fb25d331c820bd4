/**
 * A receiver of Herald's generic webhook, written from the documented contract (adapters/webhook/
 * README.md, README "Security"), not from the adapter: one URL per receiver, `X-Herald-Signature:
 * sha256=<hex>` = HMAC-SHA256 of `${X-Herald-Timestamp}.${body}` keyed by the secret, timestamps within
 * 5 minutes; the JSON envelope must carry messageId, deliveryId, topic, message and level. Unknown
 * URLs answer 410 Gone (a removed receiver); a bad signature answers 401.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified, Received, Rejection } from './types.js';

/** The documented replay window of a signature. */
const SIGNATURE_WINDOW_S = 300;

interface Hook {
  endpoint: string;
  secret?: string;
  rate?: { max: number; perMs: number };
  accepted: number[];
}

export async function startWebhookFake(): Promise<FakePlatform> {
  const hooks = new Map<string, Hook>();
  const received: Received[] = [];
  const rejections: Rejection[] = [];
  let failing = 0;
  let baseUrl = '';

  function judge(req: IncomingMessage, raw: string, hook: Hook | undefined): { status: number; body?: any } {
    if (!hook) return { status: 410 };
    if (hook.secret) {
      const ts = String(req.headers['x-herald-timestamp'] ?? '');
      const sig = String(req.headers['x-herald-signature'] ?? '');
      if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > SIGNATURE_WINDOW_S) return { status: 401 };
      const expected = Buffer.from(`sha256=${createHmac('sha256', hook.secret).update(`${ts}.${raw}`).digest('hex')}`);
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 401 };
    }
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return { status: 400 };
    }
    for (const key of ['messageId', 'deliveryId', 'topic', 'message', 'level']) if (typeof body?.[key] !== 'string') return { status: 400 };
    const now = Date.now();
    if (hook.rate && hook.accepted.filter((t) => t > now - hook.rate!.perMs).length >= hook.rate.max) return { status: 429 };
    hook.accepted.push(now);
    return { status: 200, body };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const endpoint = `${baseUrl}${req.url ?? '/'}`;
      if (failing > 0) {
        failing--;
        rejections.push({ at: Date.now(), endpoint, code: 500 });
        res.writeHead(500).end('failing on purpose');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const a = judge(req, raw, req.method === 'POST' ? hooks.get(endpoint) : undefined);
      if (a.status !== 200) {
        rejections.push({ at: Date.now(), endpoint, code: a.status });
        res.writeHead(a.status).end();
        return;
      }
      const m = a.body.mentions ?? {};
      const mentions: Notified = { all: m.all === true, users: m.users ?? [], mobiles: m.mobiles ?? [] };
      received.push({ at: Date.now(), endpoint, body: a.body, text: [a.body.subject, a.body.message].filter(Boolean).join('\n'), mentions });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    protocol: 'webhook',
    baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const endpoint = `${baseUrl}/hooks/${randomBytes(16).toString('hex')}`;
      hooks.set(endpoint, { endpoint, secret: o.secret, rate: o.rateLimit, accepted: [] });
      return { endpoint, secret: o.secret };
    },
    received: (endpoint) => received.filter((r) => !endpoint || r.endpoint === endpoint),
    rejections: (endpoint) => rejections.filter((r) => !endpoint || r.endpoint === endpoint),
    failNext(n: number) {
      failing += n;
    },
    removeRobot(endpoint: string) {
      hooks.delete(endpoint);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * A fake Lark/Feishu custom-bot webhook server, written from the research (platforms-outbound.md
 * §2, mock sketch §2.7), not from the adapter it judges. It checks, in order: token → JSON →
 * signature and ±1 h timestamp window → msg_type and its fields → body size → keyword → rate
 * limits (100/min and 5/s, sliding), and answers with Lark's real codes and HTTP statuses.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified, Received, Rejection } from './types.js';

/** §2.5 "Request body ≤ 20 KB"; the exact byte count is not published, the sketch uses 20 × 1024. */
const MAX_BODY_BYTES = 20 * 1024;
/** §2.3: |now − timestamp| ≤ 3600 s. */
const SIGN_WINDOW_S = 3600;
/** §2.5: 100 requests/min and 5 requests/s per bot. */
const PLATFORM_WINDOWS = [
  { max: 100, perMs: 60_000 },
  { max: 5, perMs: 1_000 },
];
/** §2.4: the message types a custom bot accepts. */
const MSG_TYPES = new Set(['text', 'post', 'image', 'share_chat', 'interactive']);
/**
 * Card header `template` enum (card header docs). What Lark answers for another value is not
 * researched; the fake refuses it as a bad request so a typo in a colour shows up in tests.
 */
const TEMPLATES = new Set(['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default']);

type Answer = { status: number; body: Record<string, unknown> };
const SUCCESS: Answer = { status: 200, body: { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' } };
const TOKEN_INVALID: Answer = { status: 200, body: { code: 19001, data: {}, msg: 'param invalid: incoming webhook access token invalid' } };
const SIGN_FAIL: Answer = { status: 200, body: { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' } };
const KEYWORD_MISSING: Answer = { status: 200, body: { code: 19024, msg: 'Key Words Not Found' } };
const BAD_REQUEST: Answer = { status: 400, body: { code: 9499, msg: 'Bad Request', data: {} } };
const FREQUENCY_LIMITED: Answer = { status: 200, body: { code: 11232, data: {}, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]' } };
const TOO_MANY: Answer = { status: 400, body: { code: 9499, msg: 'too many request', data: {} } };

export interface LarkFakeOptions {
  /** clock in ms (default Date.now) */
  now?: () => number;
  /** §2.5: default 11232 with HTTP 200; '9499' answers the 2023-seen HTTP 400 "too many request" */
  rateLimitAnswer?: '11232' | '9499';
}

interface Robot {
  token: string;
  endpoint: string;
  secret?: string;
  keywords: string[];
  windows: { max: number; perMs: number }[];
  accepted: number[];
}

/** Every string leaf of a value: what the keyword check scans and what a person reads. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** §2.4 shapes: text/post/image/share_chat carry `content`; interactive carries a top-level `card`. */
function validShape(body: Obj): boolean {
  const c = body.content;
  switch (body.msg_type) {
    case 'text':
      return isObject(c) && typeof c.text === 'string' && c.text.length > 0;
    case 'post':
      return isObject(c) && isObject(c.post);
    case 'image':
      return isObject(c) && typeof c.image_key === 'string';
    case 'share_chat':
      return isObject(c) && typeof c.share_chat_id === 'string';
    case 'interactive': {
      const card = body.card;
      if (!isObject(card)) return false;
      if (card.type === 'template') return isObject(card.data);
      const header = card.header;
      if (header !== undefined) {
        if (!isObject(header) || !isObject(header.title)) return false;
        if (header.template !== undefined && !TEMPLATES.has(String(header.template))) return false;
      }
      return Array.isArray(card.elements) || isObject(card.body);
    }
    default:
      return false;
  }
}

function signatureOk(robot: Robot, body: Obj, nowMs: number): boolean {
  const ts = body.timestamp;
  const sig = body.sign;
  const tsText = typeof ts === 'number' && Number.isInteger(ts) ? String(ts) : typeof ts === 'string' ? ts : '';
  if (!/^\d{1,12}$/.test(tsText) || typeof sig !== 'string') return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(tsText)) > SIGN_WINDOW_S) return false;
  // §2.3: key = timestamp + "\n" + secret, message empty, Base64.
  const expected = Buffer.from(createHmac('sha256', `${tsText}\n${robot.secret}`).digest('base64'));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startLarkFake(opts: LarkFakeOptions = {}): Promise<FakePlatform> {
  const now = opts.now ?? Date.now;
  const robots = new Map<string, Robot>();
  const received: Received[] = [];
  const rejections: Rejection[] = [];
  let failing = 0;

  function judge(token: string, raw: Buffer): Answer {
    const robot = robots.get(token);
    if (!robot) return TOKEN_INVALID;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return BAD_REQUEST;
    }
    if (!isObject(body)) return BAD_REQUEST;
    if (robot.secret && !signatureOk(robot, body, now())) return SIGN_FAIL;
    if (!MSG_TYPES.has(String(body.msg_type)) || !validShape(body)) return BAD_REQUEST;
    if (raw.length > MAX_BODY_BYTES) return BAD_REQUEST;
    const readable = strings(body.msg_type === 'interactive' ? body.card : body.content).join('\n');
    if (robot.keywords.length && !robot.keywords.some((k) => readable.includes(k))) return KEYWORD_MISSING;
    const t = now();
    if (robot.windows.some((w) => robot.accepted.filter((at) => at > t - w.perMs).length >= w.max)) {
      return opts.rateLimitAnswer === '9499' ? TOO_MANY : FREQUENCY_LIMITED;
    }
    robot.accepted.push(t);
    received.push({ at: t, endpoint: robot.endpoint, body, text: readable, mentions: notified(body, readable) });
    return SUCCESS;
  }

  function answer(res: ServerResponse, a: Answer): void {
    res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(a.body));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const match = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(path);
      const endpoint = `${baseUrl}${path}`;
      if (failing > 0) {
        failing--;
        rejections.push({ at: now(), endpoint, code: 500 });
        res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>500 Internal Server Error</body></html>');
        return;
      }
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
        return;
      }
      const a = judge(match[1]!, Buffer.concat(chunks));
      if (a !== SUCCESS) rejections.push({ at: now(), endpoint, code: a.body.code as number });
      answer(res, a);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    protocol: 'lark',
    baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const token = randomUUID();
      const endpoint = `${baseUrl}/open-apis/bot/v2/hook/${token}`;
      robots.set(token, {
        token,
        endpoint,
        secret: o.secret,
        keywords: o.keywords ?? [],
        windows: o.rateLimit ? [o.rateLimit] : PLATFORM_WINDOWS,
        accepted: [],
      });
      return { endpoint, secret: o.secret };
    },
    received: (endpoint) => received.filter((r) => !endpoint || r.endpoint === endpoint),
    rejections: (endpoint) => rejections.filter((r) => !endpoint || r.endpoint === endpoint),
    failNext(n: number) {
      failing += n;
    },
    removeRobot(endpoint: string) {
      robots.delete(endpoint.split('/').pop() ?? '');
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * §2.4 mentions: text and lark_md write `<at user_id="ou_…">Name</at>` or `<at id=ou_…></at>`, post uses
 * `{"tag":"at","user_id":"…"}`; the id `all` is everyone. Lark has no phone-number mentions.
 */
function notified(body: Record<string, unknown>, readable: string): Notified {
  const ids = [...readable.matchAll(/<at\s+(?:user_id|id|open_id)=["']?([^"'\s>]+)["']?[^>]*>/g)].map((m) => m[1]!);
  const tags = (v: unknown): string[] =>
    Array.isArray(v) ? v.flatMap(tags) : isObject(v) ? (v.tag === 'at' && typeof v.user_id === 'string' ? [v.user_id] : Object.values(v).flatMap(tags)) : [];
  if (body.msg_type === 'post') ids.push(...tags(body.content));
  return { all: ids.includes('all'), users: [...new Set(ids.filter((id) => id !== 'all'))], mobiles: [] };
}

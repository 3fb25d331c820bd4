/**
 * A fake WeCom group-robot webhook, written from research/platforms-outbound.md §3 (mock sketch §3.6),
 * not from the adapter: content type → key → JSON → msgtype and fields → content byte limits →
 * per-robot sliding-window rate limit (20/min) → accepted. Errors use HTTP 200 and WeCom's errcodes.
 * WeCom robots have no signing and no keyword: FakeRobotOptions.secret / keywords are ignored.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified, Received, Rejection } from './types.js';

const SEND_PATH = '/cgi-bin/webhook/send';
/** research §3.4: "每个机器人发送的消息不能超过20条/分钟" (sliding window assumed, UNCONFIRMED). */
const DEFAULT_RATE = { max: 20, perMs: 60_000 };
/** research §3.2: text.content ≤ 2048 bytes, markdown(_v2).content ≤ 4096 bytes. */
const CONTENT_LIMITS: Record<string, number> = { text: 2048, markdown: 4096, markdown_v2: 4096 };
const MSGTYPES = new Set(['text', 'markdown', 'markdown_v2', 'image', 'news', 'file', 'voice', 'template_card']);

export interface WecomFakeOptions {
  /** answer HTTP 415 to a Content-Type other than application/json (research §3.1); default true */
  strictContentType?: boolean;
}

interface Robot {
  key: string;
  endpoint: string;
  rate: { max: number; perMs: number };
  sent: number[];
}

export async function startWecomFake(opts: WecomFakeOptions = {}): Promise<FakePlatform> {
  const strict = opts.strictContentType ?? true;
  const robots = new Map<string, Robot>();
  const received: Received[] = [];
  const rejections: Rejection[] = [];
  let failures = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });

  function handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== SEND_PATH) {
      reply(res, 404, { errcode: 404, errmsg: 'not found' });
    } else if (failures > 0) {
      failures--;
      reply(res, 500, 'Internal Server Error');
    } else {
      const robot = robots.get(url.searchParams.get('key') ?? '');
      const endpoint = robot?.endpoint ?? `${baseUrl}${url.pathname}${url.search}`;
      const refusal = check(req, raw, robot);
      if (refusal) {
        rejections.push({ at: Date.now(), endpoint, code: refusal.code });
        if (refusal.code === 415) reply(res, 415, '');
        else reply(res, 200, wecomErr(refusal.code, refusal.msg, req));
      } else {
        reply(res, 200, { errcode: 0, errmsg: 'ok' });
      }
    }
  }

  /** research §3.6, in order; undefined = accepted (and recorded). */
  function check(req: IncomingMessage, raw: string, robot: Robot | undefined): { code: number; msg: string } | undefined {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (strict && mediaType !== 'application/json') return { code: 415, msg: 'unsupported media type' };
    if (!robot) return { code: 93000, msg: 'invalid webhook url' };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      return { code: 44004, msg: 'Warning: wrong json format. empty content' };
    }
    const t = body?.msgtype;
    if (typeof t !== 'string' || !MSGTYPES.has(t)) return { code: 40008, msg: 'invalid message type' };
    const p = body[t] as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object' || Object.keys(p).length === 0) return { code: 44004, msg: 'empty content' };
    if (t in CONTENT_LIMITS) {
      if (typeof p.content !== 'string' || p.content === '') return { code: 44004, msg: 'empty content' };
      const limit = CONTENT_LIMITS[t];
      if (Buffer.byteLength(p.content, 'utf8') > limit) {
        return { code: 40058, msg: `${t}.content exceed max length ${limit}. invalid Request Parameter` };
      }
    }
    if (t === 'text') {
      for (const field of ['mentioned_list', 'mentioned_mobile_list']) {
        const v = p[field];
        if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
          return { code: 40058, msg: `text.${field} invalid. invalid Request Parameter` };
        }
      }
    }
    const now = Date.now();
    robot.sent = robot.sent.filter((at) => at > now - robot.rate.perMs);
    if (robot.sent.length >= robot.rate.max) return { code: 45009, msg: 'api freq out of limit' };
    robot.sent.push(now);
    received.push({ at: now, endpoint: robot.endpoint, body, text: strings(body).join('\n'), mentions: notified(t, p) });
    return undefined;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    protocol: 'wecom',
    baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const key = randomUUID();
      const endpoint = `${baseUrl}${SEND_PATH}?key=${key}`;
      robots.set(key, { key, endpoint, rate: o.rateLimit ?? DEFAULT_RATE, sent: [] });
      return { endpoint };
    },
    received: (endpoint) => received.filter((r) => !endpoint || r.endpoint === endpoint),
    rejections: (endpoint) => rejections.filter((r) => !endpoint || r.endpoint === endpoint),
    failNext(n: number) {
      failures = n;
    },
    removeRobot(endpoint: string) {
      robots.delete(new URL(endpoint).searchParams.get('key') ?? '');
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** research §3.5: errmsg carries ", hint: [<25 digits>], from ip: <ip>, more info at …?e=<code>". */
function wecomErr(code: number, msg: string, req: IncomingMessage): { errcode: number; errmsg: string } {
  const hint = Array.from({ length: 25 }, () => randomInt(10)).join('');
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return { errcode: code, errmsg: `${msg}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${code}` };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = typeof body !== 'string';
  res.writeHead(status, { 'content-type': json ? 'application/json; charset=UTF-8' : 'text/plain' });
  res.end(json ? JSON.stringify(body) : body);
}

/** Every string in a value, depth first: what a person in the group reads. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => (k === 'msgtype' ? [] : strings(x)));
  return [];
}

/**
 * §3.2: text's `mentioned_list` (userids) and `mentioned_mobile_list` (phones), "@all" = everyone;
 * `<@userid>` in text or markdown content (not markdown_v2).
 */
function notified(type: string, p: Record<string, unknown>): Notified {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const listed = type === 'text' ? list(p.mentioned_list) : [];
  const phones = type === 'text' ? list(p.mentioned_mobile_list) : [];
  const inline =
    (type === 'text' || type === 'markdown') && typeof p.content === 'string' ? [...p.content.matchAll(/<@([^>\s]+)>/g)].map((m) => m[1]!) : [];
  const users = [...new Set([...listed, ...inline].filter((u) => u !== '@all'))];
  return { all: listed.includes('@all') || phones.includes('@all'), users, mobiles: phones.filter((m) => m !== '@all') };
}

/**
 * A DingTalk custom-robot server for tests, written from research/platforms-outbound.md §1 (not from the
 * adapter): POST /robot/send?access_token=… checked in the order of §1.7 — token → JSON → sign+timestamp
 * (±1 h) → msgtype/fields → size → keyword → sliding-window rate limit with its silence → msgUuid dedup.
 * Every refusal is HTTP 200 with the platform's errcode, as the real server answers (§1.6).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified, Received, Rejection } from './types.js';

/** §1.3: "The difference from the request invocation time must not exceed 1 hour." */
const SIGN_WINDOW_MS = 3_600_000;
/** §1.5: 20000 bytes, errcode 460101 above. */
const MAX_BODY_BYTES = 20_000;
/** §1.5: 20 messages a minute per robot, then a 10-minute silence (= 10 windows; scales with an override). */
const DEFAULT_RATE = { max: 20, perMs: 60_000 };
const SILENCE_WINDOWS = 10;
/** §1.4: types the webhook accepts. */
const MSG_TYPES = new Set(['text', 'link', 'markdown', 'actionCard', 'feedCard']);

export interface DingtalkFakeOptions {
  /** the fake's clock (ms), for the timestamp window and the rate limit */
  now?: () => number;
  /** §1.5: 410100 per today's doc table, 130101 in 2020-22 captures (UNCONFIRMED which one is live) */
  throttleCode?: 410100 | 130101;
}

interface Robot {
  token: string;
  endpoint: string;
  secret?: string;
  keywords: string[];
  rate: { max: number; perMs: number };
  sends: number[];
  silencedUntil: number;
  uuids: Set<string>;
}

type Answer = { status: number; body: string };
const err = (errcode: number, errmsg: string): Answer => ({ status: 200, body: JSON.stringify({ errcode, errmsg }) });

export async function startDingtalkFake(opts: DingtalkFakeOptions = {}): Promise<FakePlatform> {
  const now = opts.now ?? Date.now;
  const robots = new Map<string, Robot>();
  const received: Received[] = [];
  const rejections: Rejection[] = [];
  let failures = 0;
  let baseUrl = '';

  function check(req: IncomingMessage, raw: Buffer): Answer {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== '/robot/send') return { status: 404, body: 'not found' };
    // URLSearchParams decodes once with form semantics: an unencoded '+' becomes a space (§1.3).
    const robot = robots.get(url.searchParams.get('access_token') ?? '');
    if (!robot) return err(300001, 'token is not exist');
    let body: any;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return err(40035, '缺少参数 json');
    }
    if (!body || typeof body !== 'object') return err(40035, '缺少参数 json');
    if (robot.secret) {
      const ts = url.searchParams.get('timestamp') ?? '';
      const sign = url.searchParams.get('sign') ?? '';
      if (!/^\d+$/.test(ts) || !sign) return err(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]');
      if (Math.abs(now() - Number(ts)) > SIGN_WINDOW_MS) return err(310000, 'invalid timestamp, more: [...]');
      const expected = Buffer.from(createHmac('sha256', robot.secret).update(`${ts}\n${robot.secret}`).digest('base64'));
      const given = Buffer.from(sign);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return err(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]');
      }
    }
    if (!MSG_TYPES.has(body.msgtype)) return err(400105, '不支持的消息类型');
    const fieldError = missingField(body);
    if (fieldError) return fieldError;
    if (raw.length > MAX_BODY_BYTES) return err(460101, 'message too long, exceed 20000 bytes');
    const content = strings(body[body.msgtype]);
    if (robot.keywords.length > 0 && !robot.keywords.some((k) => content.some((s) => s.includes(k)))) {
      return err(310000, 'keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]');
    }
    const t = now();
    robot.sends = robot.sends.filter((s) => s > t - robot.rate.perMs);
    if (t < robot.silencedUntil || robot.sends.length >= robot.rate.max) {
      if (t >= robot.silencedUntil) robot.silencedUntil = t + SILENCE_WINDOWS * robot.rate.perMs;
      const code = opts.throttleCode ?? 410100;
      return err(code, code === 130101 ? 'send too fast, exceed 20 times per minute' : '发送速度太快而限流');
    }
    robot.sends.push(t);
    const uuid = typeof body.msgUuid === 'string' ? body.msgUuid : undefined;
    if (uuid && robot.uuids.has(uuid)) return err(0, 'ok');
    if (uuid) robot.uuids.add(uuid);
    received.push({ at: t, endpoint: robot.endpoint, body, text: content.join('\n'), mentions: notified(body.at) });
    return err(0, 'ok');
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    let answer: Answer;
    if (failures > 0) {
      failures--;
      answer = { status: 500, body: 'Internal Server Error' };
    } else {
      answer = check(req, raw);
    }
    const errcode = answer.status === 200 ? JSON.parse(answer.body).errcode : answer.status;
    if (errcode !== 0) {
      const token = new URL(req.url ?? '/', 'http://fake').searchParams.get('access_token') ?? '';
      rejections.push({ at: now(), endpoint: robotEndpoint(token), code: errcode });
    }
    const type = answer.status === 200 ? 'application/json;charset=utf-8' : 'text/plain';
    res.writeHead(answer.status, { 'content-type': type }).end(answer.body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const robotEndpoint = (token: string) => `${baseUrl}/robot/send?access_token=${token}`;
  const tokenOf = (endpoint: string) => new URL(endpoint).searchParams.get('access_token');

  return {
    protocol: 'dingtalk',
    baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      // §1.1: tokens are 64 lowercase hex characters.
      const token = randomBytes(32).toString('hex');
      const endpoint = robotEndpoint(token);
      robots.set(token, {
        token,
        endpoint,
        secret: o.secret,
        keywords: o.keywords ?? [],
        rate: o.rateLimit ?? DEFAULT_RATE,
        sends: [],
        silencedUntil: 0,
        uuids: new Set(),
      });
      return { endpoint, secret: o.secret };
    },
    received: (endpoint) => (endpoint ? received.filter((r) => tokenOf(r.endpoint) === tokenOf(endpoint)) : [...received]),
    rejections: (endpoint) => (endpoint ? rejections.filter((r) => tokenOf(r.endpoint) === tokenOf(endpoint)) : [...rejections]),
    failNext(n) {
      failures += n;
    },
    removeRobot(endpoint) {
      robots.delete(tokenOf(endpoint) ?? '');
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** §1.4: 400402 markdown.title, 400403 markdown.text (observed); text.content's code is UNCONFIRMED (same family). */
function missingField(body: any): Answer | undefined {
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (body.msgtype === 'text' && !nonEmpty(body.text?.content)) return err(400401, '错误描述:参数 text --》 content 缺失');
  if (body.msgtype === 'markdown') {
    if (!nonEmpty(body.markdown?.title)) return err(400402, '错误描述:参数 markdown --》 title 缺失，或者参数格式不正确');
    if (!nonEmpty(body.markdown?.text)) return err(400403, '错误描述:参数 markdown --》 text 缺失，或者参数格式不正确');
  }
  const at = body.at;
  if (at !== undefined) {
    // §1.4: booleans, and "true"/"false" strings, are tolerated for isAtAll.
    const list = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    const ok =
      at !== null &&
      typeof at === 'object' &&
      [undefined, true, false, 'true', 'false'].includes(at.isAtAll) &&
      list(at.atMobiles) &&
      list(at.atUserIds);
    if (!ok) {
      return err(400404, '错误描述:参数 at 格式不正确'); // UNCONFIRMED code, same 4004xx family
    }
  }
  return undefined;
}

/** Every string leaf: what the keyword check scans (§1.2, UNCONFIRMED which fields; all of them here). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** §1.4: `at.isAtAll` (booleans or "true"), `at.atUserIds`, `at.atMobiles` say whom the group notifies. */
function notified(at: any): Notified {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { all: at?.isAtAll === true || at?.isAtAll === 'true', users: list(at?.atUserIds), mobiles: list(at?.atMobiles) };
}

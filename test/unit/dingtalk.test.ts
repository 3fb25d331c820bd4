import { describe, expect, it } from 'vitest';
import { classifyAnswer, RATE_LIMITED_RETRY_MS } from '../../adapters/dingtalk/codes.js';
import { dingtalkAdapter, limiterKey, maskEndpoint, normalizeEndpoint } from '../../adapters/dingtalk/index.js';
import { DINGTALK_MAX_BODY_BYTES, type DingtalkPayload, LEVEL_MARKERS, renderDingtalk, serializedBytes } from '../../adapters/dingtalk/render.js';
import { dingtalkSignature, signEndpoint } from '../../adapters/dingtalk/sign.js';
import { EndpointError, LEVELS, type OutboundMessage, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { createLogger } from '../../src/log.js';

const TOKEN = 'a'.repeat(60) + 'beef';
const ENDPOINT = `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`;
const target = (t: Partial<Target> = {}): Target => ({ subscriptionId: 's1', endpoint: ENDPOINT, ...t });
const message = (m: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  deliveryId: 'd1',
  topic: 'backups',
  text: 'backup **done**',
  format: 'markdown',
  level: 'info',
  mentions: {},
  attributes: {},
  createdAt: '2026-11-20T10:00:00Z',
  ...m,
});
const answer = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  classifyAnswer({ status, headers: new Headers(headers), body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('dingtalk signing', () => {
  it('matches the research test vector (platforms-outbound.md §1.3)', () => {
    expect(dingtalkSignature('SECexamplesecret0123456789', 1700000000003)).toBe('okuo2PfsFimAoJ9uarYWYu0YGoY3YyADrxO+A/GEdAU=');
  });

  it('URL-encodes the signature exactly once in the query', () => {
    expect(signEndpoint(ENDPOINT, 'SECexamplesecret0123456789', 1700000000003)).toBe(
      `${ENDPOINT}&timestamp=1700000000003&sign=okuo2PfsFimAoJ9uarYWYu0YGoY3YyADrxO%2BA%2FGEdAU%3D`,
    );
  });
});

describe('dingtalk endpoints', () => {
  const adapter = dingtalkAdapter.create({
    config: { rateLimits: [] },
    log: createLogger({ level: 'error', format: 'json' }),
    http: createHttpClient({ timeoutMs: 1000 }),
    now: Date.now,
  });

  it('declares its host, protocol and the platform rate limit', () => {
    expect(adapter.protocol).toBe('dingtalk');
    expect(adapter.allowedHosts).toEqual(['oapi.dingtalk.com']);
    expect(dingtalkAdapter.defaults.rateLimits).toEqual([{ max: 20, perMs: 60_000 }]);
  });

  it('canonicalises a pasted webhook URL, dropping everything but the token', () => {
    expect(normalizeEndpoint(`  HTTPS://OAPI.dingtalk.com/robot/send/?access_token=${TOKEN}&timestamp=1&sign=x#frag `)).toBe(ENDPOINT);
    expect(normalizeEndpoint(`http://127.0.0.1:8080/robot/send?access_token=${TOKEN}`)).toBe(
      `http://127.0.0.1:8080/robot/send?access_token=${TOKEN}`,
    );
  });

  it.each([
    ['not a url', 'not a URL'],
    [`ftp://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`, 'use https'],
    [`https://oapi.dingtalk.com/robot/other?access_token=${TOKEN}`, 'path must be /robot/send'],
    ['https://oapi.dingtalk.com/robot/send', 'access_token is missing'],
    ['https://oapi.dingtalk.com/robot/send?access_token=a%20b', 'access_token is missing or malformed'],
    [`https://u:p@oapi.dingtalk.com/robot/send?access_token=${TOKEN}`, 'user name or password'],
    ['dingtalk-app:robot1', 'dingtalk-app:<robotCode>/<openConversationId>'],
  ])('refuses %s with a helpful sentence', (input, hint) => {
    expect(() => normalizeEndpoint(input)).toThrow(EndpointError);
    expect(() => normalizeEndpoint(input)).toThrow(hint);
  });

  it('accepts the app-robot target form kept for chat-command subscriptions', () => {
    expect(normalizeEndpoint('dingtalk-app:dingabc123/cidXyZ+0123456789abcd==')).toBe('dingtalk-app:dingabc123/cidXyZ+0123456789abcd==');
  });

  it('masks the token and keys the limiter without it', () => {
    expect(maskEndpoint(ENDPOINT)).toBe('https://oapi.dingtalk.com/robot/send?access_token=aaaa…beef');
    expect(maskEndpoint('dingtalk-app:ding1/cidXyZ0123456789abcd')).toBe('dingtalk-app:ding1/cidX…abcd');
    const key = limiterKey(target());
    expect(key).toMatch(/^dingtalk:[0-9a-f]{16}$/);
    expect(key).not.toContain(TOKEN.slice(0, 8));
    // the same robot through another canonical host is the same limiter; another robot is not
    expect(limiterKey(target({ endpoint: `http://127.0.0.1:1/robot/send?access_token=${TOKEN}` }))).toBe(key);
    expect(limiterKey(target({ endpoint: `${ENDPOINT}x` }))).not.toBe(key);
  });
});

describe('dingtalk render', () => {
  const one = (m: Partial<OutboundMessage>, t: Partial<Target> = {}): DingtalkPayload => {
    const out = renderDingtalk(message(m), target(t));
    expect(out).toHaveLength(1);
    return out[0]!;
  };

  it('sends plain text when the format is text and there is no subject', () => {
    expect(one({ format: 'text', text: 'disk at 91%', level: 'warning' })).toEqual({
      msgtype: 'text',
      text: { content: '⚠️ [WARNING] disk at 91%' },
      msgUuid: 'd1',
    });
  });

  it('sends markdown titled by the subject, or by the topic name', () => {
    expect(one({ subject: 'Nightly backup' })).toEqual({
      msgtype: 'markdown',
      markdown: { title: 'ℹ️ [INFO] Nightly backup', text: '### ℹ️ [INFO] Nightly backup\n\nbackup **done**' },
      msgUuid: 'd1',
    });
    const p = one({ format: 'text', subject: 'Plain with subject' });
    expect(p.msgtype).toBe('markdown');
    const t = one({});
    expect(t.msgtype === 'markdown' && t.markdown.title).toBe('ℹ️ [INFO] backups');
  });

  it.each(LEVELS)('shows level %s as a marker in the title and the first line', (level) => {
    const md = one({ level, subject: 'S' });
    expect(md.msgtype === 'markdown' && md.markdown.title.startsWith(LEVEL_MARKERS[level])).toBe(true);
    const txt = one({ level, format: 'text' });
    expect(txt.msgtype === 'text' && txt.text.content.startsWith(LEVEL_MARKERS[level])).toBe(true);
  });

  it('puts mentions in `at` and writes each @mobile / @userId into the text', () => {
    const p = one({ subject: 'S', mentions: { all: true, mobiles: ['13800001111', '13800001111'], users: ['user001'] } });
    expect(p.at).toEqual({ isAtAll: true, atMobiles: ['13800001111'], atUserIds: ['user001'] });
    expect(p.msgtype === 'markdown' && p.markdown.text.endsWith('\n\n@13800001111 @user001')).toBe(true);
    const t = one({ format: 'text', mentions: { users: ['u9'] } });
    expect(t).toEqual({ msgtype: 'text', text: { content: 'ℹ️ [INFO] backup **done**\n\n@u9' }, at: { atUserIds: ['u9'] }, msgUuid: 'd1' });
  });

  it('always carries the keyword in title and text, without repeating one already there', () => {
    const md = one({ subject: 'Nightly backup' }, { keyword: '告警' });
    expect(md.msgtype === 'markdown' && md.markdown.title).toBe('ℹ️ [INFO] 告警: Nightly backup');
    expect(md.msgtype === 'markdown' && md.markdown.text).toContain('告警');
    const present = one({ subject: '告警 Nightly' }, { keyword: '告警' });
    expect(present.msgtype === 'markdown' && present.markdown.title).toBe('ℹ️ [INFO] 告警 Nightly');
    expect(one({ format: 'text', text: 'x' }, { keyword: 'Herald' })).toMatchObject({ text: { content: 'ℹ️ [INFO] Herald: x' } });
    expect(one({ format: 'text', text: 'Herald x' }, { keyword: 'Herald' })).toMatchObject({ text: { content: 'ℹ️ [INFO] Herald x' } });
  });

  it('splits a 60 KB message into ordered, numbered parts that each fit, with keyword, msgUuid suffix and one @', () => {
    const para = '## 磁盘告警 `host-01`\n- used: **91%** "quoted" \\ path\n| a | b |\n|---|---|\n| 1 | 2 |\n\n';
    const text = para.repeat(Math.ceil(60_000 / Buffer.byteLength(para)));
    const parts = renderDingtalk(message({ subject: 'Big', text, mentions: { mobiles: ['13800001111'] } }), target({ keyword: 'KW' }));
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const n = parts.length;
    parts.forEach((p, i) => {
      expect(serializedBytes(p)).toBeLessThanOrEqual(DINGTALK_MAX_BODY_BYTES);
      expect(p.msgUuid).toBe(`d1-${i + 1}`);
      if (p.msgtype !== 'markdown') throw new Error('markdown expected');
      expect(p.markdown.title).toBe(`ℹ️ [INFO] KW: Big (${i + 1}/${n})`);
      expect(p.markdown.text).toContain(`(${i + 1}/${n})`);
      expect(p.markdown.text).toContain('KW');
      expect(p.at === undefined).toBe(i > 0);
    });
  });

  it('shrinks the budget when JSON escaping inflates the text (newlines and control characters)', () => {
    const text = '"\n\u0001'.repeat(15_000);
    const parts = renderDingtalk(message({ format: 'text', text }), target());
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(serializedBytes(p)).toBeLessThanOrEqual(DINGTALK_MAX_BODY_BYTES);
    const joined = parts.map((p) => (p.msgtype === 'text' ? p.text.content : '')).join('');
    expect(joined.split('\u0001').length - 1).toBe(15_000);
  });
});

describe('dingtalk answers', () => {
  it.each([
    [{ errcode: 0, errmsg: 'ok' }, 200, { ok: true }],
    [{ errmsg: 'ok', errcode: '0' }, 200, { ok: true }],
    [{ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }, 200, { kind: 'rate-limited', code: 130101, retryAfterMs: RATE_LIMITED_RETRY_MS }],
    [{ errcode: 410100, errmsg: '发送速度太快而限流' }, 200, { kind: 'rate-limited', code: 410100, retryAfterMs: 60_000 }],
    [{ status: 1111, wait: 5, punish: 'deny', errcode: 130101, errmsg: 'send too fast' }, 200, { kind: 'rate-limited', retryAfterMs: 5000 }],
    ['', 429, { kind: 'rate-limited', code: 429, retryAfterMs: 60_000 }],
    ['<html>bad gateway</html>', 502, { kind: 'transient', code: 502 }],
    [{ errcode: 0 }, 503, { kind: 'transient', code: 503 }],
    ['<html>oops</html>', 200, { kind: 'transient', code: 200 }],
    [{ errcode: -1, errmsg: '系统繁忙' }, 200, { kind: 'transient', code: -1 }],
    [{ errcode: 310000, errmsg: 'sign not match, more: [x]' }, 200, { kind: 'permanent', code: 310000, message: "check the robot's signing secret" }],
    [{ errcode: 310000, errmsg: 'description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中' }, 200, { message: "check the robot's signing secret" }],
    [{ errcode: 310000, errmsg: 'keywords not in content, more: [x]' }, 200, { message: "the robot's keyword must appear: set the subscription keyword" }],
    [{ errcode: 310000, errmsg: 'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词' }, 200, { message: 'set the subscription keyword' }],
    [{ errcode: 310000, errmsg: 'ip 10.0.0.1 not in whitelist' }, 200, { message: "allow Herald's IP in the robot's security settings" }],
    [{ errcode: 310000, errmsg: 'description:ip 不在白名单中;solution:请联系对应群的管理员' }, 200, { message: "allow Herald's IP" }],
    [{ errcode: 310000, errmsg: 'invalid timestamp, more: [x]' }, 200, { message: "check this server's clock" }],
    [{ errcode: 310000, errmsg: 'description:机器人发送签名过期;solution:签名生成时间和发送时间请保持在 timestampms 以内' }, 200, { message: 'clock' }],
    [{ errcode: 300001, errmsg: 'token is not exist' }, 200, { kind: 'permanent', code: 300001, message: 'copy the robot' }],
    [{ errcode: 300005, errmsg: 'token is not exist' }, 200, { kind: 'permanent', code: 300005 }],
    [{ errcode: 400101 }, 200, { kind: 'permanent', code: 400101 }],
    [{ errcode: 400102 }, 200, { kind: 'permanent', message: 'disabled' }],
    [{ errcode: 400106 }, 200, { kind: 'permanent', message: 'does not exist' }],
    [{ errcode: 400013 }, 200, { kind: 'permanent', message: 'dissolved' }],
    [{ errcode: 400105 }, 200, { kind: 'permanent', code: 400105 }],
    [{ errcode: 400402, errmsg: '参数 markdown --》 title 缺失' }, 200, { kind: 'permanent', message: 'required field' }],
    [{ errcode: 40035, errmsg: '缺少参数 json' }, 200, { kind: 'permanent', code: 40035 }],
    [{ errcode: 460101, errmsg: 'message too long' }, 200, { kind: 'permanent', message: '20000 bytes' }],
    [{ errcode: 430101 }, 200, { kind: 'permanent', message: 'link' }],
    [{ errcode: 430104 }, 200, { kind: 'permanent', message: 'unsafe' }],
    ['<html>not found</html>', 404, { kind: 'permanent', code: 404 }],
  ])('%j (HTTP %i) → %j', (body, status, expected) => {
    const got = answer(body, status);
    const { message: hint, ...rest } = expected as { message?: string };
    expect(got).toMatchObject(rest);
    if (hint) expect(got.ok === false && got.message).toContain(hint);
    if (!got.ok) expect(got.message.length).toBeGreaterThan(10);
  });

  it('reads Retry-After on HTTP 429', () => {
    expect(answer('', 429, { 'retry-after': '7' })).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
  });
});

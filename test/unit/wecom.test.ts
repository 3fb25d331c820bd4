import winston from 'winston';
import { describe, expect, it } from 'vitest';
import type { HttpResult, OutboundMessage } from '../../adapters/types.js';
import { EndpointError } from '../../adapters/types.js';
import { RATE_LIMITED_RETRY_MS, classifyAnswer } from '../../adapters/wecom/codes.js';
import { limiterKey, maskEndpoint, normalizeEndpoint, wecomAdapter } from '../../adapters/wecom/index.js';
import { LEVEL_STYLES, WECOM_MARKDOWN_MAX_BYTES, WECOM_TEXT_MAX_BYTES, type WecomPayload, renderWecom } from '../../adapters/wecom/render.js';

const KEY = '693a91f6-7c2e-4bc4-97a0-0ec2f1fa5aaa';
const URL_ = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const content = (p: WecomPayload) => (p.msgtype === 'markdown' ? p.markdown.content : p.text.content);

const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  deliveryId: 'd1',
  topic: 'db-alerts',
  subject: 'Disk almost full',
  text: 'Volume **/data** is at 97%.',
  format: 'markdown',
  level: 'warning',
  mentions: {},
  attributes: {},
  createdAt: '2026-11-01T00:00:00Z',
  ...over,
});

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  status,
  headers: new Headers(headers),
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('wecom render', () => {
  it('sends markdown with the level in a WeCom font colour and the subject in bold', () => {
    expect(renderWecom(msg())).toEqual([
      { msgtype: 'markdown', markdown: { content: '<font color="warning">⚠️ WARNING</font> **Disk almost full**\n\nVolume **/data** is at 97%.' } },
    ]);
  });

  it.each(Object.entries(LEVEL_STYLES))('shows level %s with colour %s', (level, style) => {
    const [p] = renderWecom(msg({ level: level as OutboundMessage['level'] }));
    expect(p.msgtype).toBe('markdown');
    expect(content(p).startsWith(`<font color="${style.color}">${style.marker}</font>`)).toBe(true);
    expect(['info', 'comment', 'warning']).toContain(style.color);
  });

  it('uses the topic when there is no subject, on one line', () => {
    const [p] = renderWecom(msg({ subject: undefined }));
    expect(content(p).split('\n')[0]).toBe('<font color="warning">⚠️ WARNING</font> **db-alerts**');
  });

  it('mentions user ids in markdown as <@userid>, in the first part only', () => {
    const parts = renderWecom(msg({ mentions: { users: ['wangqing', 'lisi'] }, text: 'x '.repeat(5000) }));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.msgtype)).toEqual(parts.map(() => 'markdown'));
    expect(content(parts[0])).toContain('<@wangqing> <@lisi>');
    for (const p of parts.slice(1)) expect(content(p)).not.toContain('<@');
  });

  it('switches to text with mentioned_list / mentioned_mobile_list for phones and @all, markup removed', () => {
    const [p] = renderWecom(msg({ mentions: { users: ['wangqing'], mobiles: ['13800001111'], all: true } }));
    expect(p).toEqual({
      msgtype: 'text',
      text: {
        content: '⚠️ WARNING Disk almost full\n\nVolume /data is at 97%.',
        mentioned_list: ['wangqing', '@all'],
        mentioned_mobile_list: ['13800001111'],
      },
    });
  });

  it('sends text when the format is text', () => {
    expect(renderWecom(msg({ format: 'text', level: 'critical', text: 'down' }))).toEqual([
      { msgtype: 'text', text: { content: '🚨 CRITICAL Disk almost full\n\ndown' } },
    ]);
  });

  it('splits by each msgtype budget, keeping the header on every part', () => {
    const text = '数据库连接数超过阈值，请尽快处理。'.repeat(600);
    for (const [format, limit] of [['markdown', WECOM_MARKDOWN_MAX_BYTES], ['text', WECOM_TEXT_MAX_BYTES]] as const) {
      const parts = renderWecom(msg({ format, text }));
      expect(new Set(parts.map((p) => p.msgtype))).toEqual(new Set([format]));
      const contents = parts.map(content);
      expect(contents.length).toBeGreaterThanOrEqual(Math.ceil(bytes(text) / limit));
      expect(contents.length).toBeLessThanOrEqual(Math.ceil(bytes(text) / (limit - 200)));
      const bodies = contents.map((c, i) => {
        expect(bytes(c)).toBeLessThanOrEqual(limit);
        const [head, rest] = [c.slice(0, c.indexOf('\n\n')), c.slice(c.indexOf('\n\n') + 2)];
        expect(head).toContain('Disk almost full');
        const label = `\n\n(${i + 1}/${contents.length})`;
        expect(rest.endsWith(label)).toBe(true);
        return rest.slice(0, -label.length);
      });
      expect(bodies.join('')).toBe(text);
    }
  });
});

describe('wecom endpoint', () => {
  it('turns a bare key into the webhook URL, on the configured base', () => {
    expect(normalizeEndpoint(KEY)).toBe(URL_);
    expect(normalizeEndpoint(` ${KEY}\n`, 'http://127.0.0.1:9999')).toBe(`http://127.0.0.1:9999/cgi-bin/webhook/send?key=${KEY}`);
    const adapter = wecomAdapter.create({
      config: { rateLimits: [], webhookBase: 'https://wecom.proxy.example/' },
      log: winston.createLogger({ silent: true }),
      http: { post: async () => answer(200, {}), get: async () => answer(200, {}) },
      now: Date.now,
    });
    expect(adapter.normalizeEndpoint(KEY)).toBe(`https://wecom.proxy.example/cgi-bin/webhook/send?key=${KEY}`);
    expect(wecomAdapter.defaults).toEqual({ rateLimits: [{ max: 20, perMs: 60_000 }] });
    expect(wecomAdapter.config.parse({}).webhookBase).toBe('https://qyapi.weixin.qq.com');
    expect(adapter.allowedHosts).toEqual(['qyapi.weixin.qq.com']);
  });

  it('accepts any http(s) host with the send path and a key, keeping only the key', () => {
    expect(normalizeEndpoint(`${URL_}&debug=1`)).toBe(URL_);
    expect(normalizeEndpoint(`http://127.0.0.1:4000/cgi-bin/webhook/send/?key=${KEY}`)).toBe(`http://127.0.0.1:4000/cgi-bin/webhook/send?key=${KEY}`);
  });

  it.each([
    ['ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=' + KEY, /use https/],
    [`https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=${KEY}`, /path must be/],
    ['https://qyapi.weixin.qq.com/cgi-bin/webhook/send', /key is missing/],
    [`https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, /user name/],
    ['short', /neither a URL nor a key/],
  ])('refuses %s', (input, why) => {
    expect(() => normalizeEndpoint(input)).toThrow(EndpointError);
    expect(() => normalizeEndpoint(input)).toThrow(why);
  });

  it('masks the key and keys limiters by a hash of it', () => {
    expect(maskEndpoint(URL_)).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…5aaa');
    const k = limiterKey({ subscriptionId: 's', endpoint: URL_ });
    expect(k).toMatch(/^wecom:[0-9a-f]{16}$/);
    expect(k).not.toContain(KEY.slice(0, 8));
    expect(limiterKey({ subscriptionId: 't', endpoint: normalizeEndpoint(KEY) })).toBe(k);
    expect(limiterKey({ subscriptionId: 's', endpoint: URL_.replace('5aaa', '5aab') })).not.toBe(k);
  });
});

describe('wecom classification', () => {
  const tail = ', hint: [1234567890123456789012345], from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/query?e=';
  it.each([
    [answer(200, { errcode: 0, errmsg: 'ok' }), { ok: true }],
    [answer(200, { errcode: 45009, errmsg: `api freq out of limit${tail}45009` }), { kind: 'rate-limited', code: 45009, retryAfterMs: RATE_LIMITED_RETRY_MS }],
    [answer(429, ''), { kind: 'rate-limited', code: 429, retryAfterMs: 60_000 }],
    [answer(429, '', { 'retry-after': '7' }), { kind: 'rate-limited', code: 429, retryAfterMs: 7000 }],
    [answer(502, '<html>bad gateway</html>'), { kind: 'transient', code: 502 }],
    [answer(200, 'not json'), { kind: 'transient', code: 200 }],
    [answer(200, { errcode: -1, errmsg: 'system busy' }), { kind: 'transient', code: -1 }],
    [answer(404, 'no'), { kind: 'permanent', code: 404 }],
    [answer(415, ''), { kind: 'permanent', code: 415 }],
    [answer(200, { errcode: 93000, errmsg: `invalid webhook url${tail}93000` }), { kind: 'permanent', code: 93000 }],
    [answer(200, { errcode: 40008, errmsg: 'invalid message type' }), { kind: 'permanent', code: 40008 }],
    [answer(200, { errcode: 44004, errmsg: 'empty content' }), { kind: 'permanent', code: 44004 }],
    [answer(200, { errcode: 40058, errmsg: 'markdown.content exceed max length 4096. invalid Request Parameter' }), { kind: 'permanent', code: 40058 }],
    [answer(200, { errcode: 40035, errmsg: 'invalid parameter' }), { kind: 'permanent', code: 40035 }],
  ])('%# classifies %j', (res, expected) => {
    expect(classifyAnswer(res)).toMatchObject(expected);
  });

  it('says what to do, without the hint tail', () => {
    const out = classifyAnswer(answer(200, { errcode: 93000, errmsg: `invalid webhook url${tail}93000` }));
    expect(out).toMatchObject({ ok: false, kind: 'permanent' });
    if (out.ok) return;
    expect(out.message).toMatch(/copy the robot's webhook URL again/);
    expect(out.message).toContain('(WeCom: invalid webhook url)');
    const long = classifyAnswer(answer(200, { errcode: 40058, errmsg: 'text.content exceed max length 2048' }));
    expect(!long.ok && long.message).toMatch(/too long/);
  });
});

import { describe, expect, it } from 'vitest';
import { classifyLarkAnswer, RATE_LIMIT_RETRY_MS } from '../../adapters/lark/codes.js';
import { larkAdapter } from '../../adapters/lark/index.js';
import { LARK_MAX_BODY_BYTES, type LarkCardBody, type LarkTextBody, mentionMarkup } from '../../adapters/lark/render.js';
import { larkSign, signatureAt } from '../../adapters/lark/sign.js';
import { EndpointError, LEVELS, type OutboundMessage, type Target } from '../../adapters/types.js';
import { createLogger } from '../../src/log.js';

const log = createLogger({ level: 'error', format: 'json' }, []);
const adapter = larkAdapter.create({ config: { rateLimits: [] }, log, http: undefined as never, now: Date.now });
const HOOK = 'https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd';
const target: Target = { subscriptionId: 's1', endpoint: HOOK };

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'm1',
    deliveryId: 'd1',
    topic: 'ops-alerts',
    text: '**CPU** at 95% on `web-1`',
    format: 'markdown',
    level: 'info',
    mentions: {},
    attributes: {},
    createdAt: '2026-11-01T00:00:00Z',
    ...over,
  };
}

describe('lark signature (research §2.3)', () => {
  it('matches the published vector: key = ts + "\\n" + secret, empty message', () => {
    expect(larkSign('dGhpcyBpcyBhIGtleQ==', 1716283459)).toBe('8EyY+xxfJvzWjZQpdc2mgvQFaG7lF5nbxl7RITyMkJU=');
  });
  it('matches the computed vector', () => {
    expect(larkSign('examplelarksecret', '1700000000')).toBe('Nf5HKBXQjSDY8E7yJjVCgqfgp/9rlP8SzrnrkXtH9XE=');
  });
  it('uses seconds, as a string, for the timestamp', () => {
    expect(signatureAt('examplelarksecret', 1_700_000_000_999)).toEqual({
      timestamp: '1700000000',
      sign: 'Nf5HKBXQjSDY8E7yJjVCgqfgp/9rlP8SzrnrkXtH9XE=',
    });
  });
});

describe('lark render', () => {
  const colours = { info: 'blue', success: 'green', warning: 'orange', error: 'red', critical: 'carmine' };
  it.each(LEVELS)('a %s message is a card with its colour', (level) => {
    const [card] = adapter.render(message({ level }), target) as LarkCardBody[];
    expect(card!.msg_type).toBe('interactive');
    expect(card!.card.header.template).toBe(colours[level]);
  });

  it('titles the card with the subject, else the topic; the body is lark_md', () => {
    const [withSubject] = adapter.render(message({ subject: 'Disk full' }), target) as LarkCardBody[];
    expect(withSubject!.card.header.title).toEqual({ tag: 'plain_text', content: 'Disk full' });
    expect(withSubject!.card.elements).toEqual([{ tag: 'div', text: { tag: 'lark_md', content: '**CPU** at 95% on `web-1`' } }]);
    const [withTopic] = adapter.render(message(), target) as LarkCardBody[];
    expect(withTopic!.card.header.title.content).toBe('ops-alerts');
  });

  it('renders format text as a text message, subject first', () => {
    const bodies = adapter.render(message({ format: 'text', subject: 'Backup', text: 'done' }), target);
    expect(bodies).toEqual([{ msg_type: 'text', content: { text: 'Backup\ndone' } }]);
  });

  it('mentions in card syntax and in text syntax; phone numbers and odd ids are dropped', () => {
    const mentions = { all: true, users: ['ou_abc123', 'bad id"><x'], mobiles: ['13800001111'] };
    expect(mentionMarkup(mentions, 'markdown')).toBe('<at id=all></at> <at id=ou_abc123></at>');
    expect(mentionMarkup(mentions, 'text')).toBe('<at user_id="all">所有人</at> <at user_id="ou_abc123"></at>');
    const [card] = adapter.render(message({ mentions }), target) as LarkCardBody[];
    expect(card!.card.elements[0]!.text.content).toBe('**CPU** at 95% on `web-1`\n\n<at id=all></at> <at id=ou_abc123></at>');
    const [text] = adapter.render(message({ mentions, format: 'text' }), target) as LarkTextBody[];
    expect(text!.content.text).toContain('<at user_id="all">所有人</at>');
  });

  it("adds the subscription's keyword to the content when it is missing, and only then", () => {
    const [card] = adapter.render(message(), { ...target, keyword: '告警' }) as LarkCardBody[];
    expect(card!.card.elements[0]!.text.content).toBe('**CPU** at 95% on `web-1`\n\n告警');
    const [again] = adapter.render(message({ text: '告警: CPU' }), { ...target, keyword: '告警' }) as LarkCardBody[];
    expect(again!.card.elements[0]!.text.content).toBe('告警: CPU');
  });

  it('splits a long message into numbered parts that each fit with the signature, keyword in each', () => {
    const text = Array.from({ length: 400 }, (_, i) => `第${i}段：磁盘使用率 "过高" \\ 请检查\n`).join('\n');
    const bodies = adapter.render(message({ text, mentions: { all: true } }), { ...target, keyword: 'herald' }) as LarkCardBody[];
    expect(bodies.length).toBeGreaterThan(1);
    bodies.forEach((b, i) => {
      const signed = { timestamp: '1700000000', sign: 'x'.repeat(44), ...b };
      expect(Buffer.byteLength(JSON.stringify(signed))).toBeLessThanOrEqual(LARK_MAX_BODY_BYTES);
      expect(b.card.header.title.content).toBe(`ops-alerts (${i + 1}/${bodies.length})`);
      expect(b.card.elements[0]!.text.content).toContain(`(${i + 1}/${bodies.length})`);
      expect(b.card.elements[0]!.text.content).toContain('herald');
      expect(b.card.elements[0]!.text.content.includes('<at id=all></at>')).toBe(i === 0);
    });
  });
});

describe('lark endpoints', () => {
  it('canonicalises a webhook URL on any http(s) host and refuses other shapes', () => {
    expect(adapter.normalizeEndpoint(` ${HOOK}/?x=1 `)).toBe(HOOK);
    expect(adapter.normalizeEndpoint('http://127.0.0.1:9/open-apis/bot/v2/hook/abcdef12-3456')).toBe('http://127.0.0.1:9/open-apis/bot/v2/hook/abcdef12-3456');
    for (const bad of ['open.feishu.cn/open-apis/bot/v2/hook/x', 'https://open.feishu.cn/open-apis/bot/v2/hook/', 'ftp://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e', 'https://oapi.dingtalk.com/robot/send?access_token=abc']) {
      expect(() => adapter.normalizeEndpoint(bad)).toThrow(EndpointError);
    }
  });
  it('reserves lark-chat:<chat_id>', () => {
    expect(adapter.normalizeEndpoint('lark-chat:oc_a0553eda9014c201e6969b478895c230')).toBe('lark-chat:oc_a0553eda9014c201e6969b478895c230');
    expect(() => adapter.normalizeEndpoint('lark-chat:nope')).toThrow(EndpointError);
  });
  it('masks the token and keys the limiter without it', () => {
    expect(adapter.maskEndpoint(HOOK)).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/5e3d…86fd');
    const key = adapter.limiterKey(target);
    expect(key).toMatch(/^lark:[0-9a-f]{16}$/);
    expect(key).not.toContain('5e3d587e');
    expect(adapter.limiterKey({ ...target, subscriptionId: 's2' })).toBe(key);
  });
  it('declares hosts and both rate windows', () => {
    expect(adapter.allowedHosts).toEqual(['open.feishu.cn', 'open.larksuite.com']);
    expect(larkAdapter.defaults.rateLimits).toEqual([{ max: 100, perMs: 60_000 }, { max: 5, perMs: 1_000 }]);
  });
});

describe('lark answer classification (research §2.5-2.6)', () => {
  const res = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers(headers),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  it.each([
    ['success', 200, { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' }, true, undefined, undefined],
    ['legacy success', 200, { Extra: null, StatusCode: 0, StatusMessage: 'success' }, true, undefined, undefined],
    ['11232 frequency limited', 200, { code: 11232, msg: 'frequency limited psm[x]' }, 'rate-limited', 11232, /rate-limiting/],
    ['9499 too many request', 400, { code: 9499, msg: 'too many request', data: {} }, 'rate-limited', 9499, /rate-limiting/],
    ['HTTP 429', 429, 'slow down', 'rate-limited', 429, /rate-limiting/],
    ['HTTP 502 html', 502, '<html>bad gateway</html>', 'transient', 502, /HTTP 502/],
    ['HTTP 200 not JSON', 200, 'ok', 'transient', 200, /readable/],
    ['19021 sign', 200, { code: 19021, msg: 'sign match fail' }, 'permanent', 19021, /signing secret/],
    ['legacy StatusCode 19021', 200, { StatusCode: 19021, StatusMessage: 'sign match fail' }, 'permanent', 19021, /signing secret/],
    ['19022 ip', 200, { code: 19022, msg: 'Ip Not Allowed' }, 'permanent', 19022, /IP allowlist/],
    ['19024 keyword', 200, { code: 19024, msg: 'Key Words Not Found' }, 'permanent', 19024, /keyword/],
    ['19001 unknown webhook', 200, { code: 19001, msg: 'param invalid' }, 'permanent', 19001, /webhook URL/],
    ['19002 invalid webhook', 200, { code: 19002, msg: 'x' }, 'permanent', 19002, /webhook is invalid/],
    ['9499 bad request', 400, { code: 9499, msg: 'Bad Request', data: {} }, 'permanent', 9499, /bad request.*20 KB/],
    ['HTTP 413', 413, 'too large', 'permanent', 413, /too large/],
    ['unknown code', 200, { code: 12345, msg: 'odd' }, 'permanent', 12345, /12345 \(odd\)/],
  ] as const)('%s', (_name, status, body, expected, code, message) => {
    const outcome = classifyLarkAnswer(res(status, body));
    if (expected === true) return expect(outcome).toEqual({ ok: true });
    expect(outcome).toMatchObject({ ok: false, kind: expected, code });
    if (!outcome.ok) expect(outcome.message).toMatch(message!);
    if (expected === 'rate-limited') expect(outcome).toMatchObject({ retryAfterMs: RATE_LIMIT_RETRY_MS });
  });
  it('honours a Retry-After header', () => {
    expect(classifyLarkAnswer(res(429, '', { 'retry-after': '3' }))).toMatchObject({ kind: 'rate-limited', retryAfterMs: 3000 });
  });
});

/** The WeCom adapter over real HTTP against the fake robot server written from the research. */
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEVELS, type Adapter, type Level, type Outcome, type OutboundMessage, type SendContext, type Target } from '../../adapters/types.js';
import { wecomAdapter } from '../../adapters/wecom/index.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import type { FakePlatform } from '../fakes/types.js';
import { startWecomFake } from '../fakes/wecom-server.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const log = winston.createLogger({ silent: true });
const http = createHttpClient({ timeoutMs: 5000 });
let fake: FakePlatform;
let adapter: Adapter;
let ctx: SendContext;

beforeAll(async () => {
  fake = await startWecomFake();
  const config = { ...wecomAdapter.defaults, webhookBase: fake.baseUrl };
  adapter = wecomAdapter.create({ config, log, http, now: Date.now });
  ctx = { http, now: Date.now, log };
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  deliveryId: 'd1',
  topic: 'db-alerts',
  subject: 'Disk almost full',
  text: 'Volume **/data** is at 97%. See [the runbook](https://wiki.example.com/rb/disk).',
  format: 'markdown',
  level: 'warning',
  mentions: {},
  attributes: {},
  createdAt: '2026-11-01T00:00:00Z',
  ...over,
});

function robot(rateLimit?: { max: number; perMs: number }): Target {
  const { endpoint } = fake.addRobot(rateLimit ? { rateLimit } : {});
  return { subscriptionId: 'sub1', endpoint: adapter.normalizeEndpoint(endpoint) };
}

/** Sends every payload in order, as the core does; stops at the first failure. */
async function deliver(target: Target, m: OutboundMessage): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const payload of adapter.render(m, target)) {
    const out = await adapter.send(target, payload, ctx);
    outcomes.push(out);
    if (!out.ok) break;
  }
  return outcomes;
}

describe('wecom adapter against the fake robot', () => {
  it('delivers markdown to a robot given as a bare key', async () => {
    const target = robot();
    const key = new URL(target.endpoint).searchParams.get('key') as string;
    const viaKey = { ...target, endpoint: adapter.normalizeEndpoint(key) };
    expect(viaKey.endpoint).toBe(target.endpoint);
    expect(await deliver(viaKey, msg())).toEqual([{ ok: true }]);
    const [got] = fake.received(target.endpoint);
    expect(got.body.msgtype).toBe('markdown');
    expect(got.body.markdown.content).toBe(
      '<font color="warning">⚠️ WARNING</font> **Disk almost full**\n\nVolume **/data** is at 97%. See [the runbook](https://wiki.example.com/rb/disk).',
    );
  });

  it('delivers text with mentioned_list and mentioned_mobile_list', async () => {
    const target = robot();
    const m = msg({ format: 'text', mentions: { users: ['wangqing'], mobiles: ['13800001111'] } });
    expect(await deliver(target, m)).toEqual([{ ok: true }]);
    const [got] = fake.received(target.endpoint);
    expect(got.body).toEqual({
      msgtype: 'text',
      text: {
        content: `⚠️ WARNING Disk almost full\n\n${m.text}`,
        mentioned_list: ['wangqing'],
        mentioned_mobile_list: ['13800001111'],
      },
    });
  });

  it('@all goes as "@all" in mentioned_list, even for a markdown message', async () => {
    const target = robot();
    expect(await deliver(target, msg({ mentions: { all: true } }))).toEqual([{ ok: true }]);
    const [got] = fake.received(target.endpoint);
    expect(got.body.msgtype).toBe('text');
    expect(got.body.text.mentioned_list).toEqual(['@all']);
  });

  it.each(LEVELS)('level %s is accepted in markdown and text', async (level: Level) => {
    const target = robot();
    expect(await deliver(target, msg({ level }))).toEqual([{ ok: true }]);
    expect(await deliver(target, msg({ level, format: 'text' }))).toEqual([{ ok: true }]);
    const got = fake.received(target.endpoint);
    expect(got.map((r) => r.body.msgtype)).toEqual(['markdown', 'text']);
    expect(got[0].text).toContain(level.toUpperCase());
    expect(got[1].text).toContain(level.toUpperCase());
  });

  it('an unknown key is permanent 93000 with what to do', async () => {
    const target = { subscriptionId: 's', endpoint: adapter.normalizeEndpoint('00000000-0000-0000-0000-000000000000') };
    const [out] = await deliver(target, msg());
    expect(out).toMatchObject({ ok: false, kind: 'permanent', code: 93000 });
    expect(!out.ok && out.message).toMatch(/copy the robot's webhook URL again/);
    expect(fake.rejections(target.endpoint).map((r) => r.code)).toEqual([93000]);
  });

  it('a 60 KB message (CJK + markdown) arrives whole, in ordered parts under the limit', async () => {
    const target = robot({ max: 100, perMs: 60_000 });
    const block = '## 节点 web-01 告警\n\n**CPU** 使用率 97%，内存 <font color="comment">88%</font>，[查看面板](https://grafana.example.com/d/1)\n> 值班同学请尽快处理 `restart api`\n\n';
    const text = block.repeat(Math.ceil(61_440 / bytes(block)));
    expect(bytes(text)).toBeGreaterThanOrEqual(60 * 1024);
    const outcomes = await deliver(target, msg({ text }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const got = fake.received(target.endpoint).map((r) => r.body.markdown.content as string);
    expect(got.length).toBe(outcomes.length);
    expect(got.length).toBeGreaterThanOrEqual(15);
    const head = '<font color="warning">⚠️ WARNING</font> **Disk almost full**\n\n';
    const bodies = got.map((content, i) => {
      expect(bytes(content)).toBeLessThanOrEqual(4096);
      const label = `\n\n(${i + 1}/${got.length})`;
      expect(content.startsWith(head)).toBe(true);
      expect(content.endsWith(label)).toBe(true);
      return content.slice(head.length, -label.length);
    });
    expect(bodies.join('')).toBe(text);
  });

  it.each([
    [{ msgtype: 'markdown', markdown: { content: '字'.repeat(1366) } }, 40058],
    [{ msgtype: 'text', text: { content: 'a'.repeat(2049) } }, 40058],
    [{ msgtype: 'post', post: { content: 'hi' } }, 40008],
    [{ msgtype: 'text', text: { content: '' } }, 44004],
  ])('a payload WeCom refuses is permanent: %j → %i', async (payload, code) => {
    const target = robot();
    expect(await adapter.send(target, payload, ctx)).toMatchObject({ ok: false, kind: 'permanent', code });
    expect(fake.received(target.endpoint)).toHaveLength(0);
  });

  it('over the robot limit, the answer is rate-limited (45009)', async () => {
    const target = robot({ max: 3, perMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(await deliver(target, msg())).toEqual([{ ok: true }]);
    const [out] = await deliver(target, msg());
    expect(out).toEqual({ ok: false, kind: 'rate-limited', code: 45009, message: expect.any(String), retryAfterMs: 60_000 });
    expect(fake.received(target.endpoint)).toHaveLength(3);
  });

  it('a failing platform is transient, and the next attempt goes through', async () => {
    const target = robot();
    fake.failNext(1);
    expect(await deliver(target, msg())).toEqual([{ ok: false, kind: 'transient', code: 500, message: 'WeCom answered HTTP 500' }]);
    expect(await deliver(target, msg())).toEqual([{ ok: true }]);
  });
});

/**
 * The DingTalk adapter against the fake DingTalk server over real HTTP: every shape it renders is
 * accepted, and every refusal is classified as the platform means it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import { dingtalkAdapter } from '../../adapters/dingtalk/index.js';
import { DINGTALK_MAX_BODY_BYTES } from '../../adapters/dingtalk/render.js';
import { LEVELS, type Adapter, type OutboundMessage, type Outcome, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import type { FakePlatform, FakeRobotOptions } from '../fakes/types.js';

const SECRET = 'SEC' + '0123456789abcdef'.repeat(4);
const log = winston.createLogger({ silent: true });
const http = createHttpClient({ timeoutMs: 5_000 });
const ctx: SendContext = { http, now: Date.now, log };
let fake: FakePlatform;
let adapter: Adapter;
let seq = 0;

beforeAll(async () => {
  fake = await startDingtalkFake();
  adapter = dingtalkAdapter.create({ config: { rateLimits: [] }, log, http, now: Date.now });
});
afterAll(async () => {
  await http.close();
  await fake.close();
});

const message = (m: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: `m${++seq}`,
  deliveryId: `d${seq}`,
  topic: 'backups',
  text: 'backup **done** on host-01',
  format: 'markdown',
  level: 'info',
  mentions: {},
  attributes: {},
  createdAt: new Date().toISOString(),
  ...m,
});

function robot(opts: FakeRobotOptions = { secret: SECRET }, t: Partial<Target> = {}): Target {
  const r = fake.addRobot(opts);
  return { subscriptionId: `s${++seq}`, endpoint: adapter.normalizeEndpoint(r.endpoint), secret: r.secret, ...t };
}

/** Renders and sends every part in order, as the core does; stops at the first failure. */
async function deliver(msg: OutboundMessage, target: Target): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const payload of adapter.render(msg, target)) {
    const o = await adapter.send(target, payload, ctx);
    outcomes.push(o);
    if (!o.ok) break;
  }
  return outcomes;
}

describe('dingtalk adapter ↔ fake DingTalk', () => {
  it('delivers plain text', async () => {
    const t = robot();
    expect(await deliver(message({ format: 'text', text: 'disk at 91%' }), t)).toEqual([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.body).toMatchObject({ msgtype: 'text', text: { content: 'ℹ️ [INFO] disk at 91%' } });
  });

  it('delivers markdown titled by the subject', async () => {
    const t = robot();
    expect(await deliver(message({ subject: 'Nightly backup' }), t)).toEqual([{ ok: true }]);
    expect(fake.received(t.endpoint)[0]!.body.markdown).toEqual({
      title: 'ℹ️ [INFO] Nightly backup',
      text: '### ℹ️ [INFO] Nightly backup\n\nbackup **done** on host-01',
    });
  });

  it('delivers every level, marked', async () => {
    const t = robot();
    for (const level of LEVELS) expect(await deliver(message({ level, subject: level }), t)).toEqual([{ ok: true }]);
    expect(fake.received(t.endpoint).map((r) => r.body.markdown.title)).toEqual([
      'ℹ️ [INFO] info',
      '✅ [SUCCESS] success',
      '⚠️ [WARNING] warning',
      '❌ [ERROR] error',
      '🚨 [CRITICAL] critical',
    ]);
  });

  it.each([
    ['all', { all: true }, { isAtAll: true }, ''],
    ['users', { users: ['user001', 'user002'] }, { atUserIds: ['user001', 'user002'] }, '@user001 @user002'],
    ['mobiles', { mobiles: ['13800001111'] }, { atMobiles: ['13800001111'] }, '@13800001111'],
  ])('delivers mentions of %s', async (_name, mentions, at, inText) => {
    const t = robot();
    expect(await deliver(message({ subject: 'S', mentions }), t)).toEqual([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.at).toEqual(at);
    expect(got!.body.markdown.text).toContain(inText);
  });

  it('passes the keyword check of a keyword-only robot, in title and text', async () => {
    const t = robot({ keywords: ['监控'] }, { keyword: '监控' });
    expect(await deliver(message({ subject: 'Disk full' }), t)).toEqual([{ ok: true }]);
    expect(await deliver(message({ format: 'text', text: 'plain' }), t)).toEqual([{ ok: true }]);
    const [md, txt] = fake.received(t.endpoint);
    expect(md!.body.markdown.title).toContain('监控');
    expect(md!.body.markdown.text).toContain('监控');
    expect(txt!.body.text.content).toContain('监控');
  });

  it('fails for good after one attempt when the secret is wrong (310000)', async () => {
    const t = robot({ secret: SECRET }, { secret: `${SECRET}x` });
    const outcomes = await deliver(message(), t);
    expect(outcomes).toEqual([{ ok: false, kind: 'permanent', code: 310000, message: expect.stringContaining("check the robot's signing secret") }]);
    expect(fake.rejections(t.endpoint)).toHaveLength(1);
    expect(fake.received(t.endpoint)).toHaveLength(0);
  });

  it('names the keyword when it is missing (310000)', async () => {
    const t = robot({ keywords: ['监控'] });
    expect(await deliver(message(), t)).toEqual([
      { ok: false, kind: 'permanent', code: 310000, message: expect.stringContaining('set the subscription keyword') },
    ]);
  });

  it('fails for good on an unknown token', async () => {
    const t: Target = { subscriptionId: 'x', endpoint: `${fake.baseUrl}/robot/send?access_token=${'0'.repeat(64)}` };
    expect(await deliver(message(), t)).toEqual([{ ok: false, kind: 'permanent', code: 300001, message: expect.stringContaining('webhook URL') }]);
  });

  it('delivers a 60 KB message with CJK and markdown whole, in ordered parts under the limit', async () => {
    const t = robot({ secret: SECRET, keywords: ['告警'] }, { keyword: '告警' });
    const para = (i: number) =>
      `## 第 ${i} 节 \`host-${i}\`\n- 磁盘使用率 **91%**, see [dashboard](https://grafana.example/d/${i})\n` +
      '```\n$ df -h /data\n/dev/sda1  100G  91G\n```\n| 主机 | 状态 |\n|---|---|\n| a | 正常 |\n\n';
    let text = '';
    for (let i = 0; Buffer.byteLength(text) < 60_000; i++) text += para(i);
    const outcomes = await deliver(message({ subject: '容量报告', text, mentions: { mobiles: ['13800001111'] } }), t);
    const got = fake.received(t.endpoint);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(got.length).toBe(outcomes.length);
    expect(got.length).toBeGreaterThanOrEqual(4);
    const n = got.length;
    got.forEach((r, i) => {
      expect(Buffer.byteLength(JSON.stringify(r.body))).toBeLessThanOrEqual(DINGTALK_MAX_BODY_BYTES);
      expect(r.body.markdown.title).toBe(`ℹ️ [INFO] 告警: 容量报告 (${i + 1}/${n})`);
    });
    // Whole: every section arrives, in order, once.
    const all = got.map((r) => r.body.markdown.text).join('\n');
    const sections = [...all.matchAll(/## 第 (\d+) 节/g)].map((m) => Number(m[1]));
    expect(sections).toEqual([...Array(sections.length).keys()]);
    expect(sections.length).toBe(text.split('## 第').length - 1);
    expect(all).toContain('| a | 正常 |');
  });

  it('is rate-limited once the robot exceeds its window, and stays silenced', async () => {
    const t = robot({ secret: SECRET, rateLimit: { max: 3, perMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect(await deliver(message(), t)).toEqual([{ ok: true }]);
    const [limited] = await deliver(message(), t);
    expect(limited).toMatchObject({ ok: false, kind: 'rate-limited', code: 410100, retryAfterMs: 60_000 });
    expect(fake.rejections(t.endpoint).map((r) => r.code)).toEqual([410100]);
  });

  it('does not show a retried delivery twice (msgUuid)', async () => {
    const t = robot();
    const msg = message();
    const [payload] = adapter.render(msg, t);
    expect(await adapter.send(t, payload, ctx)).toEqual({ ok: true });
    expect(await adapter.send(t, payload, ctx)).toEqual({ ok: true });
    expect(fake.received(t.endpoint)).toHaveLength(1);
  });

  it('is transient when the platform fails with HTTP 500, and then recovers', async () => {
    const t = robot();
    fake.failNext(1);
    expect(await deliver(message(), t)).toEqual([{ ok: false, kind: 'transient', code: 500, message: expect.any(String) }]);
    expect(await deliver(message(), t)).toEqual([{ ok: true }]);
    expect(fake.received(t.endpoint)).toHaveLength(1);
  });

  it('reports what the platform refuses in a body: too large (460101), unsupported type (400105)', async () => {
    const t = robot();
    const big = { msgtype: 'text', text: { content: 'x'.repeat(DINGTALK_MAX_BODY_BYTES) } };
    expect(await adapter.send(t, big, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 460101 });
    const image = { msgtype: 'image', image: { picURL: 'https://example.com/p.png' } };
    expect(await adapter.send(t, image, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 400105 });
    expect(fake.received(t.endpoint)).toHaveLength(0);
  });

  it('fails an app-robot target permanently, naming the missing app credentials, when none are set', async () => {
    const t: Target = { subscriptionId: 'x', endpoint: adapter.normalizeEndpoint('dingtalk-app:ding1/cid1') };
    const [payload] = adapter.render(message(), t);
    expect(await adapter.send(t, payload, ctx)).toMatchObject({ ok: false, kind: 'permanent', message: expect.stringContaining('HERALD_DINGTALK_CLIENT_ID') });
  });
});

describe('dingtalk adapter ↔ fake DingTalk on a manual clock', () => {
  let clock = 1_700_000_000_000;
  let slow: FakePlatform;
  const now = () => clock;
  const at = (ms: number): SendContext => ({ http, now: () => ms, log });

  beforeAll(async () => {
    slow = await startDingtalkFake({ now });
  });
  afterAll(() => slow.close());

  it('keeps a throttled robot silent for ten windows, then accepts again', async () => {
    const r = slow.addRobot({ secret: SECRET, rateLimit: { max: 2, perMs: 1_000 } });
    const t: Target = { subscriptionId: 'c1', endpoint: adapter.normalizeEndpoint(r.endpoint), secret: SECRET };
    const send = async () => adapter.send(t, adapter.render(message(), t)[0], at(clock));
    expect(await send()).toEqual({ ok: true });
    expect(await send()).toEqual({ ok: true });
    expect(await send()).toMatchObject({ kind: 'rate-limited', code: 410100 });
    clock += 5_000; // the window has passed, the silence (10 × 1 s) has not
    expect(await send()).toMatchObject({ kind: 'rate-limited', code: 410100 });
    clock += 5_001;
    expect(await send()).toEqual({ ok: true });
    expect(slow.received(t.endpoint)).toHaveLength(3);
  });

  it('refuses a signature more than an hour off the server clock (310000, check the clock)', async () => {
    const r = slow.addRobot({ secret: SECRET });
    const t: Target = { subscriptionId: 'c2', endpoint: adapter.normalizeEndpoint(r.endpoint), secret: SECRET };
    const payload = adapter.render(message(), t)[0];
    expect(await adapter.send(t, payload, at(clock - 3_600_001))).toMatchObject({
      kind: 'permanent',
      code: 310000,
      message: expect.stringContaining("check this server's clock"),
    });
    expect(await adapter.send(t, payload, at(clock - 3_599_000))).toEqual({ ok: true });
  });
});

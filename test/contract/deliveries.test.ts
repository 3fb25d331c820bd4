/**
 * One table of cases, run through the whole relay (publish → queue → limiter → adapter) against
 * every platform's fake server: every message shape is accepted, over-long messages arrive whole
 * in parts, a wrong secret fails after one attempt with the platform's code, and bursts are paced
 * inside the platform's sliding window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import { startLarkFake } from '../fakes/lark-server.js';
import type { FakePlatform, FakeRobotOptions } from '../fakes/types.js';
import { startWecomFake } from '../fakes/wecom-server.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';

interface Platform {
  protocol: 'dingtalk' | 'lark' | 'wecom';
  start: () => Promise<FakePlatform>;
  signs: boolean;
  /** the code the platform answers for a wrong signature */
  badSignCode?: number;
}

const platforms: Platform[] = [
  { protocol: 'dingtalk', start: () => startDingtalkFake(), signs: true, badSignCode: 310000 },
  { protocol: 'lark', start: () => startLarkFake(), signs: true, badSignCode: 19021 },
  { protocol: 'wecom', start: () => startWecomFake(), signs: false },
];

/** Burst window for the pacing case: small so the test runs in seconds, same shape as the real one. */
const BURST_WINDOW = { max: 20, perMs: 2500 };

let h: TestHerald;
const fakes = new Map<string, FakePlatform>();

beforeAll(async () => {
  for (const p of platforms) fakes.set(p.protocol, await p.start());
  h = await startTestHerald({
    config: {
      delivery: { backoffMs: 50, maxBackoffMs: 200 },
      platforms: {
        dingtalk: { rateLimits: [BURST_WINDOW] },
        wecom: { rateLimits: [BURST_WINDOW] },
        lark: { rateLimits: [BURST_WINDOW, { max: 5, perMs: 1000 }] },
      },
    },
  });
});
afterAll(async () => {
  await h.stop();
  for (const f of fakes.values()) await f.close();
});

let topicSeq = 0;
async function subscribe(p: Platform, robot: FakeRobotOptions, extra: Record<string, unknown> = {}, secretOverride?: string) {
  const fake = fakes.get(p.protocol)!;
  const r = fake.addRobot({ rateLimit: BURST_WINDOW, ...robot });
  const topic = `${p.protocol}-${++topicSeq}`;
  expect((await h.api('POST', '/v1/topics', { name: topic })).status).toBe(201);
  const sub = await h.api('POST', `/v1/topics/${topic}/subscriptions`, {
    protocol: p.protocol,
    endpoint: r.endpoint,
    ...(secretOverride ?? r.secret ? { secret: secretOverride ?? r.secret } : {}),
    ...extra,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  return { topic, endpoint: r.endpoint, fake };
}

async function record(messageId: string, until: (d: any) => boolean) {
  return waitFor(`delivery record of ${messageId}`, async () => {
    const r = await h.api('GET', `/v1/messages/${messageId}`);
    return r.body.deliveries?.length && r.body.deliveries.every(until) ? r.body.deliveries : undefined;
  }, 30_000);
}

const shapes: [string, Record<string, unknown>][] = [
  ['plain text', { message: 'backup finished', format: 'text' }],
  ['markdown with a subject', { subject: 'Deploy', message: 'api v2 is **out**\n\n- one\n- two' }],
  ['a warning', { subject: 'Disk', message: 'disk 91% full', level: 'warning' }],
  ['a critical alert', { subject: 'Down', message: 'db unreachable', level: 'critical' }],
  ['@all', { message: 'everyone look', mentions: { all: true } }],
  ['@users and @mobiles', { message: 'you two', mentions: { users: ['user001'], mobiles: ['13800001111'] } }],
];

describe.each(platforms)('$protocol', (p) => {
  it.each(shapes)('delivers %s, accepted by the platform', async (_name, body) => {
    const robot = p.signs ? { secret: `SEC${'ab12'.repeat(16)}`, keywords: ['herald'] } : {};
    const { topic, endpoint, fake } = await subscribe(p, robot, p.signs ? { keyword: 'herald' } : {});
    const pub = await h.api('POST', `/v1/topics/${topic}/publish`, body);
    expect(pub.status).toBe(202);
    const deliveries = await record(pub.body.messageId, (d) => d.status !== 'pending');
    expect(deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    const got = fake.received(endpoint);
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toContain(String(body.message).split('\n')[0]!.replace(/\*/g, '').slice(0, 8));
    expect(fake.rejections(endpoint)).toHaveLength(0);
  });

  it('delivers a 60 KB message whole, in ordered parts that each fit', async () => {
    const { topic, endpoint, fake } = await subscribe(p, {});
    const lines = Array.from({ length: 900 }, (_, i) => `- 第${i}行 line ${i}: 服务 [link](https://example.com/${i}) \`code\``);
    const message = lines.join('\n');
    expect(Buffer.byteLength(message)).toBeGreaterThan(60_000);
    const pub = await h.api('POST', `/v1/topics/${topic}/publish`, { subject: 'Big', message });
    const [d] = await record(pub.body.messageId, (x) => x.status !== 'pending');
    expect(d).toMatchObject({ status: 'delivered' });
    expect(d.parts).toBeGreaterThan(1);
    const got = fake.received(endpoint);
    expect(got).toHaveLength(d.parts);
    const all = got.map((g) => g.text).join('\n');
    let from = 0;
    for (const line of [lines[0]!, lines[450]!, lines[899]!].map((l) => `第${l.split('第')[1]!.split('行')[0]}行`)) {
      const at = all.indexOf(line, from);
      expect(at, line).toBeGreaterThanOrEqual(from);
      from = at;
    }
    expect(fake.rejections(endpoint)).toHaveLength(0);
  });

  it('retries a platform 5xx and then delivers', async () => {
    const { topic, endpoint, fake } = await subscribe(p, {});
    fake.failNext(2);
    const pub = await h.api('POST', `/v1/topics/${topic}/publish`, { message: 'after a hiccup' });
    const [d] = await record(pub.body.messageId, (x) => x.status !== 'pending');
    expect(d).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(fake.received(endpoint)).toHaveLength(1);
  });

  it('paces a burst of 45 inside every sliding window: none refused, none lost', async () => {
    const { topic, endpoint, fake } = await subscribe(p, {});
    const ids: string[] = [];
    for (let i = 0; i < 45; i++) {
      const pub = await h.api('POST', `/v1/topics/${topic}/publish`, { message: `burst ${i}` });
      ids.push(pub.body.messageId);
    }
    await waitFor('45 arrivals', () => fake.received(endpoint).length >= 45, 30_000);
    const times = fake.received(endpoint).map((r) => r.at);
    expect(times).toHaveLength(45);
    for (let i = BURST_WINDOW.max; i < times.length; i++) {
      expect(times[i]! - times[i - BURST_WINDOW.max]!).toBeGreaterThanOrEqual(BURST_WINDOW.perMs);
    }
    expect(fake.rejections(endpoint)).toHaveLength(0);
    // in order, as published
    expect(fake.received(endpoint).map((r) => /burst (\d+)/.exec(r.text)![1]).map(Number)).toEqual([...Array(45).keys()]);
    for (const id of [ids[0]!, ids[44]!]) expect((await record(id, (x) => x.status === 'delivered'))[0].attempts).toBe(1);
  });

  if (p.signs) {
    it('fails a wrong secret after one attempt, with the platform code and what to do', async () => {
      const { topic, endpoint, fake } = await subscribe(p, { secret: `SEC${'cd34'.repeat(16)}` }, {}, `SEC${'0000'.repeat(16)}`);
      const pub = await h.api('POST', `/v1/topics/${topic}/publish`, { message: 'signed wrong' });
      const [d] = await record(pub.body.messageId, (x) => x.status !== 'pending');
      expect(d).toMatchObject({ status: 'failed', attempts: 1, lastCode: p.badSignCode });
      expect(d.lastError).toMatch(/secret/i);
      expect(fake.received(endpoint)).toHaveLength(0);
      const failed = await h.api('GET', '/v1/deliveries/failed');
      expect(failed.body.deliveries.map((x: any) => x.id)).toContain(d.id);
    });
  }
});

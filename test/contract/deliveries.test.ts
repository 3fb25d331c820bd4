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
/** the same Herald with batching off: bursts go out one message per slot */
let unbatched: TestHerald;
const fakes = new Map<string, FakePlatform>();

beforeAll(async () => {
  for (const p of platforms) fakes.set(p.protocol, await p.start());
  const config = (batch: boolean) => ({
    delivery: { backoffMs: 50, maxBackoffMs: 200 },
    platforms: {
      dingtalk: { rateLimits: [BURST_WINDOW], batch },
      wecom: { rateLimits: [BURST_WINDOW], batch },
      lark: { rateLimits: [BURST_WINDOW, { max: 5, perMs: 1000 }], batch },
    },
  });
  h = await startTestHerald({ config: config(true) });
  unbatched = await startTestHerald({ config: config(false) });
});
afterAll(async () => {
  await h.stop();
  await unbatched.stop();
  for (const f of fakes.values()) await f.close();
});

let topicSeq = 0;
async function subscribe(p: Platform, robot: FakeRobotOptions, extra: Record<string, unknown> = {}, secretOverride?: string, on = h) {
  const fake = fakes.get(p.protocol)!;
  const r = fake.addRobot({ rateLimit: BURST_WINDOW, ...robot });
  const topic = `${p.protocol}-${++topicSeq}`;
  expect((await on.api('POST', '/v1/topics', { name: topic })).status).toBe(201);
  const sub = await on.api('POST', `/v1/topics/${topic}/subscriptions`, {
    protocol: p.protocol,
    endpoint: r.endpoint,
    ...(secretOverride ?? r.secret ? { secret: secretOverride ?? r.secret } : {}),
    ...extra,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  return { topic, endpoint: r.endpoint, fake };
}

async function record(messageId: string, until: (d: any) => boolean, on = h) {
  return waitFor(`delivery record of ${messageId}`, async () => {
    const r = await on.api('GET', `/v1/messages/${messageId}`);
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

  it('paces a burst of 45 inside every sliding window: none refused, none lost (batch off)', async () => {
    const { topic, endpoint, fake } = await subscribe(p, {}, {}, undefined, unbatched);
    const ids: string[] = [];
    for (let i = 0; i < 45; i++) {
      const pub = await unbatched.api('POST', `/v1/topics/${topic}/publish`, { message: `burst ${i}` });
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
    for (const id of [ids[0]!, ids[44]!]) expect((await record(id, (x) => x.status === 'delivered', unbatched))[0].attempts).toBe(1);
  });

  it('folds a storm of 150 into digests under the limit: every message visible, in publish order, none refused', async () => {
    const robot = p.signs ? { secret: `SEC${'ef56'.repeat(16)}`, keywords: ['herald'] } : {};
    const { topic, endpoint, fake } = await subscribe(p, robot, p.signs ? { keyword: 'herald', mentions: { users: ['oncall1'] } } : {});
    const STORM = 150;
    const mark = (i: number) => `storm-${String(i).padStart(3, '0')}-end`;
    const ids: string[] = [];
    for (let i = 0; i < STORM; i++) {
      const pub = await h.api('POST', `/v1/topics/${topic}/publish`, {
        subject: `Alert ${i}`,
        message: `${mark(i)}${i === 100 ? ' and a long tail'.repeat(100) : ''}`,
        level: i % 2 ? 'critical' : 'success',
        ...(i === 3 ? { mentions: { users: ['user003'] } } : {}),
      });
      expect(pub.status).toBe(202);
      ids.push(pub.body.messageId);
    }
    const seen = () => fake.received(endpoint).map((r) => r.text).join('\n');
    await waitFor('every message of the storm', () => [...Array(STORM).keys()].every((i) => seen().includes(mark(i))), 30_000);
    const all = seen();
    // in publish order: each message shows after the one published before it
    let from = -1;
    for (let i = 0; i < STORM; i++) {
      const at = all.indexOf(mark(i));
      expect(at, mark(i)).toBeGreaterThan(from);
      from = at;
    }
    expect(fake.rejections(endpoint)).toHaveLength(0);
    const arrivals = fake.received(endpoint);

    // a window's worth one by one, then digests: far fewer sends than messages
    expect(arrivals.length).toBeLessThan(STORM / 3);
    expect(all).toMatch(/\d+ messages while this robot was at its rate limit/);
    expect(all).toContain(`${mark(100)} and a long tail`);
    const long = arrivals.find((r) => r.text.includes(mark(100)))!;
    // in a digest the long one is shortened; on its own it is whole
    if (/messages while this robot/.test(long.text)) expect(long.text).not.toContain(' and a long tail'.repeat(100));
    else expect(long.text).toContain(' and a long tail'.repeat(100));
    if (p.signs) {
      for (const a of arrivals) expect(a.text).toContain('herald'); // the keyword is in every part
    }

    // every delivery ends delivered; a folded one names the digest that carried it, which is a message of the topic
    const first = await record(ids[0]!, (x) => x.status === 'delivered');
    expect(first[0].digest).toBeUndefined();
    const carried = await Promise.all(ids.map((id) => record(id, (x) => x.status === 'delivered')));
    const foldedAt = carried.findIndex((r) => r[0].digest);
    const last = carried[foldedAt]![0];
    expect(last.digest).toMatch(/\.00000$/);
    const digestMessage = (await h.api('GET', `/v1/messages/${last.digest.split('.')[0]}`)).body;
    expect(digestMessage).toMatchObject({ topic, source: 'digest' });
    expect(digestMessage.carries).toContain(ids[foldedAt]);
    expect(digestMessage.deliveries[0]).toMatchObject({ status: 'delivered' });
    expect(digestMessage.deliveries[0].carries).toContain(last.id);
    expect(carried.map((r) => r[0].status)).toEqual(Array(STORM).fill('delivered'));
    const folded = carried.filter((r) => r[0].digest).length;
    expect(folded).toBeGreaterThan(STORM / 2);
  }, 60_000);

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

/**
 * Quiet hours through a real Herald: messages published within them are `held` (an excepted one
 * goes at once), survive a restart, and go out as ONE digest when they end (an injected clock ends
 * them); the held records then read delivered. Embedded and Redis mode, where a filter or mute
 * changed on one instance routes the next publish on another.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createQuietRelease } from '../../src/routing/quiet-release.js';
import { startTestHerald, type TestHerald, tempDir, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { dropPrefix, randomPrefix, redisConfig, redisEnv, redisMissing } from '../redis/support.js';

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** Quiet hours around the real time now (UTC), so the publisher, which reads the real clock, holds. */
const aroundNow = () => ({ from: hhmm(Date.now() - 3_600_000), to: hhmm(Date.now() + 3_600_000), timeZone: 'UTC', except: { level: ['critical'] } });

const receivers: Receiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.close();
});

type Start = (dataDir: string) => Promise<TestHerald>;

async function scenario(start: Start) {
  const dataDir = tempDir();
  let h = await start(dataDir);
  const hook = await startReceiver();
  receivers.push(hook);
  const other = await startReceiver();
  receivers.push(other);
  try {
    expect((await h.api('POST', '/v1/topics', { name: 'night' })).status).toBe(201);
    const sub = await h.api('POST', '/v1/topics/night/subscriptions', { protocol: 'webhook', endpoint: `${hook.url}/quiet`, quietHours: aroundNow() });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    expect(sub.body.quietHours).toMatchObject({ timeZone: 'UTC' });
    expect((await h.api('POST', '/v1/topics/night/subscriptions', { protocol: 'webhook', endpoint: `${other.url}/awake` })).status).toBe(201);

    const ids: string[] = [];
    for (const [i, level] of (['warning', 'info', 'critical', 'error'] as const).entries()) {
      const res = await h.api('POST', '/v1/topics/night/publish', { subject: `event ${i}`, message: `text of event ${i}`, level });
      expect(res.status).toBe(202);
      expect(res.body.deliveries).toBe(2);
      ids.push(res.body.messageId);
    }
    const statusOf = async (id: string) => (await h.api('GET', `/v1/messages/${id}`)).body.deliveries.find((d: { subscriptionId: string }) => d.subscriptionId === sub.body.id).status;
    // the critical one is excepted and goes at once; the others wait
    await waitFor('the critical message', () => hook.hits.length === 1);
    expect(hook.hits[0]!.json.message).toBe('text of event 2');
    await waitFor('the awake subscription', () => other.hits.length === 4);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['held', 'held', 'delivered', 'held']);

    const heldOne = (await h.api('GET', `/v1/messages/${ids[0]}`)).body.deliveries.find((d: { subscriptionId: string }) => d.subscriptionId === sub.body.id);
    expect(Date.parse(heldOne.releaseAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(heldOne.releaseAt)).toBeLessThanOrEqual(Date.now() + 3_600_000);
    // a restart keeps them held
    await h.stop();
    h = await start(dataDir);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['held', 'held', 'delivered', 'held']);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.hits).toHaveLength(1);

    // two hours later (an injected clock): one digest with the three held messages, oldest first
    const { herald } = h.running;
    const later = () => Date.now() + 2 * 3_600_000;
    const release = createQuietRelease({ ...herald, now: later });
    expect(await release.tick()).toBe(3);
    const digest = await waitFor('the digest', () => hook.hits[1]).catch(async (err) => {
      const list = (await h.api('GET', '/v1/topics/night/messages')).body;
      console.log(JSON.stringify(list, null, 1).slice(0, 3000));
      throw err;
    });
    expect(digest.json.subject).toBe('Quiet hours: 3 messages held');
    expect(digest.json.level).toBe('error');
    const text: string = digest.json.message;
    expect(text.indexOf('text of event 0')).toBeGreaterThan(-1);
    expect(text.indexOf('text of event 1')).toBeGreaterThan(text.indexOf('text of event 0'));
    expect(text.indexOf('text of event 3')).toBeGreaterThan(text.indexOf('text of event 1'));
    expect(text).not.toContain('text of event 2');
    // once the digest is delivered, the held records say so
    await waitFor('the digest delivered', async () => {
      await release.tick();
      return (await Promise.all(ids.map(statusOf))).every((s) => s === 'delivered');
    });
    const carried = (await h.api('GET', `/v1/messages/${ids[0]}`)).body.deliveries.find((d: { subscriptionId: string }) => d.subscriptionId === sub.body.id);
    expect(carried.digest).toMatch(/^m[a-z0-9]+\.00000$/);
    expect(await release.tick()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.hits).toHaveLength(2);
  } finally {
    await h.stop();
  }
}

describe('quiet hours', () => {
  it('holds, survives a restart and delivers one digest (embedded)', async () => {
    await scenario((dataDir) => startTestHerald({ dataDir }));
  });

  it('a single held message goes out as itself, and a subscription with no quiet hours left releases at once', async () => {
    const h = await startTestHerald();
    const hook = await startReceiver();
    receivers.push(hook);
    try {
      await h.api('POST', '/v1/topics', { name: 'one' });
      const sub = await h.api('POST', '/v1/topics/one/subscriptions', { protocol: 'webhook', endpoint: `${hook.url}/q`, quietHours: aroundNow() });
      const res = await h.api('POST', '/v1/topics/one/publish', { message: 'only one', level: 'warning' });
      expect((await h.api('GET', `/v1/messages/${res.body.messageId}`)).body.deliveries[0].status).toBe('held');
      expect((await h.api('PATCH', `/v1/subscriptions/${sub.body.id}`, { quietHours: null })).status).toBe(200);
      const release = createQuietRelease({ ...h.running.herald });
      expect(await release.tick()).toBe(1);
      const hit = await waitFor('the released message', () => hook.hits[0]);
      expect(hit.json.message).toBe('only one');
    } finally {
      await h.stop();
    }
  });
});

const missing = await redisMissing();
describe.skipIf(!!missing)('quiet hours in Redis mode', () => {
  const prefix = randomPrefix();
  afterAll(() => dropPrefix(prefix));
  it('holds, survives a restart and delivers one digest', async () => {
    await scenario((dataDir) => startTestHerald({ dataDir, env: redisEnv(), config: redisConfig(prefix) }));
  });

  it('a filter or mute changed on one instance routes the next publish on another', async () => {
    const p2 = randomPrefix();
    const a = await startTestHerald({ env: redisEnv(), config: redisConfig(p2) });
    const b = await startTestHerald({ env: redisEnv(), config: redisConfig(p2) });
    const hook = await startReceiver();
    receivers.push(hook);
    try {
      await a.api('POST', '/v1/topics', { name: 'shared' });
      const sub = (await a.api('POST', '/v1/topics/shared/subscriptions', { protocol: 'webhook', endpoint: `${hook.url}/s` })).body;
      expect((await b.api('POST', '/v1/topics/shared/publish', { message: 'one', level: 'info' })).body.deliveries).toBe(1);
      expect((await a.api('PATCH', `/v1/subscriptions/${sub.id}`, { filter: { level: ['critical'] } })).status).toBe(200);
      expect((await b.api('POST', '/v1/topics/shared/publish', { message: 'two', level: 'info' })).body.deliveries).toBe(0);
      expect((await a.api('POST', `/v1/subscriptions/${sub.id}/mute`, { for: '1h' })).status).toBe(200);
      const muted = await b.api('POST', '/v1/topics/shared/publish', { message: 'three', level: 'critical' });
      expect((await b.api('GET', `/v1/messages/${muted.body.messageId}`)).body.deliveries[0].status).toBe('muted');
      await waitFor('the first message', () => hook.hits.length === 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(hook.hits.map((x) => x.json.message)).toEqual(['one']);
    } finally {
      await a.stop();
      await b.stop();
      await dropPrefix(p2);
    }
  });
});

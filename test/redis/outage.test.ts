/**
 * Redis goes away and comes back (a TCP proxy in front of the real Redis is cut, then restored):
 * /readyz fails, publish and subscribe answer 503 `unavailable` instead of hanging, nothing
 * accepted before the cut is lost, and the instance recovers by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { dropPrefix, type RedisProxy, randomPrefix, redisConfig, redisEnv, redisMissing, startRedisProxy } from './support.js';

const missing = await redisMissing();
const SUBSCRIBERS = 5;
const MESSAGES = 20;

describe.skipIf(missing)('Redis unreachable', () => {
  const prefix = randomPrefix();
  let proxy: RedisProxy;
  let h: TestHerald;
  let rx: Receiver;

  beforeAll(async () => {
    proxy = await startRedisProxy();
    rx = await startReceiver({ delayMs: 50 });
    h = await startTestHerald({ env: redisEnv(proxy.url), config: redisConfig(prefix) });
  });
  afterAll(async () => {
    proxy?.restore();
    try {
      await h?.stop();
    } finally {
      await rx?.close();
      await proxy?.close();
      await dropPrefix(prefix);
    }
  }, 30_000);

  it('answers 503 while Redis is away, loses nothing and recovers by itself', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'outage' })).status).toBe(201);
    for (let i = 0; i < SUBSCRIBERS; i++) {
      expect((await h.api('POST', '/v1/topics/outage/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s${i}` })).status).toBe(201);
    }
    const accepted: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const r = await h.api('POST', '/v1/topics/outage/publish', { message: `before ${i}` });
      expect(r.status).toBe(202);
      accepted.push(r.body.messageId);
    }
    await waitFor('deliveries under way', () => rx.hits.length >= 5);

    proxy.cut();
    const ready = await h.api('GET', '/readyz', undefined, { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).not.toBe('ok');
    expect(ready.body.checks.queue).not.toBe('ok');

    const refused = await h.api('POST', '/v1/topics/outage/publish', { message: 'during' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    const sub = await h.api('POST', '/v1/topics/outage/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/late` });
    expect(sub.status).toBe(503);
    expect(sub.body.error.code).toBe('unavailable');
    const hitsDuringCut = rx.hits.length;

    // a while without Redis, then it comes back
    await new Promise((r) => setTimeout(r, 3_000));
    proxy.restore();
    await waitFor('ready again', async () => (await h.api('GET', '/readyz', undefined, { token: null })).status === 200, 30_000);

    const after = await h.api('POST', '/v1/topics/outage/publish', { message: 'after' });
    expect(after.status).toBe(202);
    accepted.push(after.body.messageId);
    const expected = new Set(accepted.flatMap((id) => Array.from({ length: SUBSCRIBERS }, (_, i) => `${id}.${String(i).padStart(5, '0')}`)));
    await waitFor('every accepted delivery', () => [...expected].every((id) => rx.hits.some((x) => x.json.deliveryId === id)), 60_000);
    expect(rx.hits.length).toBeGreaterThan(hitsDuringCut);
    // the refused publish left nothing behind
    expect(rx.hits.some((x) => x.json.message === 'during')).toBe(false);
  }, 120_000);

  it('answers 503 instead of hanging while Redis accepts connections but never replies', async () => {
    proxy.stall();
    const ready = await h.api('GET', '/readyz', undefined, { token: null });
    expect(ready.status).toBe(503);
    const refused = await h.api('POST', '/v1/topics/outage/publish', { message: 'stalled' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');

    proxy.restore();
    await waitFor('ready again', async () => (await h.api('GET', '/readyz', undefined, { token: null })).status === 200, 30_000);
    const after = await h.api('POST', '/v1/topics/outage/publish', { message: 'after the stall' });
    expect(after.status).toBe(202);
    await waitFor('delivery after the stall', () => rx.hits.filter((x) => x.json.messageId === after.body.messageId).length === SUBSCRIBERS, 60_000);
  }, 60_000);
});

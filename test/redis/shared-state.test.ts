/**
 * Two Herald instances on one Redis behave as one: subscriptions added through both at the same
 * moment are all kept, an Idempotency-Key is honoured whichever instance gets the repeat, and
 * Store.setIfAbsent (idempotency keys, callback dedup) has exactly one winner across instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryId } from '../../src/store/messages.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { dropPrefix, REDIS_URL, randomPrefix, redisConfig, redisEnv, redisMissing } from './support.js';

const missing = await redisMissing();

describe.skipIf(missing)('two instances sharing Redis', () => {
  const prefix = randomPrefix();
  let a: TestHerald;
  let b: TestHerald;
  let rx: Receiver;

  beforeAll(async () => {
    rx = await startReceiver();
    a = await startTestHerald({ env: redisEnv(), config: redisConfig(prefix) });
    b = await startTestHerald({ env: redisEnv(), config: redisConfig(prefix) });
  });
  afterAll(async () => {
    try {
      await Promise.all([a?.stop(), b?.stop()]);
    } finally {
      await rx?.close();
      await dropPrefix(prefix);
    }
  }, 30_000);

  it('keeps all 100 subscriptions added concurrently through both instances', async () => {
    expect((await a.api('POST', '/v1/topics', { name: 'shared' })).status).toBe(201);
    // the topic made through A exists for B at once
    expect((await b.api('POST', '/v1/topics', { name: 'shared' })).status).toBe(409);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? a : b).api('POST', '/v1/topics/shared/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s${i}` }),
      ),
    );
    expect(answers.map((x) => x.status)).toEqual(Array(100).fill(201));
    const created = new Set(answers.map((x) => x.body.id as string));
    expect(created.size).toBe(100);
    for (const h of [a, b]) {
      const list = await h.api('GET', '/v1/topics/shared/subscriptions');
      expect(list.status).toBe(200);
      const items = list.body.subscriptions as { id: string }[];
      expect(new Set(items.map((s) => s.id))).toEqual(created);
    }
    // the same endpoint through the other instance is a duplicate
    const again = await b.api('POST', '/v1/topics/shared/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s1` });
    expect(again.status).toBe(409);
  });

  it('honours one Idempotency-Key across instances', async () => {
    expect((await a.api('POST', '/v1/topics', { name: 'idem' })).status).toBe(201);
    const headers = { 'idempotency-key': 'deploy-42' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).api('POST', '/v1/topics/idem/publish', { message: 'once' }, { headers })),
    );
    expect(answers.map((x) => x.status).every((s) => s === 202 || s === 200)).toBe(true);
    const ids = new Set(answers.map((x) => x.body.messageId));
    expect(ids.size).toBe(1);
    expect(answers.filter((x) => !x.body.duplicate)).toHaveLength(1);
  });

  it('queues at start a delivery that was stored but never queued (a crash between the two)', async () => {
    expect((await a.api('POST', '/v1/topics', { name: 'orphan' })).status).toBe(201);
    const sub = await a.api('POST', '/v1/topics/orphan/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/orphan` });
    expect(sub.status).toBe(201);
    // what publish writes, without the enqueue that follows it
    const { store, messages } = a.running.herald;
    const id = 'm0orphan0000000000000001';
    const now = new Date().toISOString();
    await store.batch(
      messages.createOps(
        { id, topic: 'orphan', level: 'info', mentions: {}, attributes: {}, bodies: { default: 'left behind' }, format: 'text', source: 'test', deliveryCount: 1, createdAt: now },
        [{ id: deliveryId(id, 0), messageId: id, topic: 'orphan', subscriptionId: sub.body.id, protocol: 'webhook', status: 'pending', attempts: 0, partsDone: 0, updatedAt: now }],
      ),
    );
    const c = await startTestHerald({ env: redisEnv(), config: redisConfig(prefix) });
    try {
      await waitFor('the orphaned delivery', () => rx.hits.find((x) => x.json.deliveryId === deliveryId(id, 0)));
      await waitFor('its record', async () => (await c.api('GET', `/v1/messages/${id}`)).body.deliveries?.[0]?.status === 'delivered');
    } finally {
      await c.stop();
    }
  });

  it('gives Store.setIfAbsent exactly one winner among instances', async () => {
    const stores = [new RedisStore(REDIS_URL, prefix), new RedisStore(REDIS_URL, prefix)];
    try {
      for (let round = 0; round < 20; round++) {
        const key = `cb-dedup:event-${round}`;
        const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.setIfAbsent(key, `claim-${i}`, 60_000)));
        expect(wins.filter(Boolean)).toHaveLength(1);
        const winner = wins.indexOf(true);
        expect(await stores[(winner + 1) % 2]!.get(key)).toBe(`claim-${winner}`);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

/**
 * One robot's limit holds across instances: a burst published through two instances to one
 * webhook limited to 10 per 2,000 ms arrives once each, and no 2,000 ms window sees more than 10.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { dropPrefix, randomPrefix, redisConfig, redisEnv, redisMissing } from './support.js';

const missing = await redisMissing();
const LIMIT = { max: 10, perMs: 2000 };
const BURST = 35;

describe.skipIf(missing)('per-robot limits across instances', () => {
  const prefix = randomPrefix();
  let a: TestHerald;
  let b: TestHerald;
  let rx: Receiver;

  beforeAll(async () => {
    rx = await startReceiver();
    const config = redisConfig(prefix, { platforms: { webhook: { rateLimits: [LIMIT] } } });
    a = await startTestHerald({ env: redisEnv(), config });
    b = await startTestHerald({ env: redisEnv(), config });
  });
  afterAll(async () => {
    try {
      await Promise.all([a?.stop(), b?.stop()]);
    } finally {
      await rx?.close();
      await dropPrefix(prefix);
    }
  }, 30_000);

  it('delivers a burst through both once each, never more than 10 in any 2 s', async () => {
    expect((await a.api('POST', '/v1/topics', { name: 'burst' })).status).toBe(201);
    expect((await b.api('POST', '/v1/topics/burst/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/robot` })).status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => (i % 2 ? a : b).api('POST', '/v1/topics/burst/publish', { message: `n${i}` })),
    );
    expect(answers.map((x) => x.status)).toEqual(Array(BURST).fill(202));

    await waitFor('the whole burst', () => rx.hits.length >= BURST, 30_000);
    // settle: nothing more may arrive (a duplicate would)
    await new Promise((r) => setTimeout(r, LIMIT.perMs));
    const ids = rx.hits.map((h) => h.json.deliveryId as string);
    expect(ids).toHaveLength(BURST);
    expect(new Set(ids).size).toBe(BURST);
    expect(new Set(rx.hits.map((h) => h.json.messageId))).toEqual(new Set(answers.map((x) => x.body.messageId)));

    const at = rx.hits.map((h) => h.at).sort((x, y) => x - y);
    for (let i = LIMIT.max; i < at.length; i++) {
      // the (i - max)-th arrival must have left the window before the i-th one arrives
      expect(at[i]! - at[i - LIMIT.max]!).toBeGreaterThan(LIMIT.perMs);
    }
  }, 60_000);
});

/** Rotating HERALD_SECRET_KEY with HERALD_SECRET_KEY_PREVIOUS: nothing is lost, everything is sealed anew. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secret-box.js';
import { startTestHerald, tempDir, waitFor } from '../helpers/herald.js';
import { dropPrefix, randomPrefix, redisMissing, REDIS_URL } from '../redis/support.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const SECRET = 'rotating-signing-secret-41c9';

describe('SecretBox with a previous key', () => {
  it('opens values of either key, says which are stale, and seals with the new one only', () => {
    const oldBox = new SecretBox(Buffer.from(OLD, 'base64'));
    const box = new SecretBox(Buffer.from(NEW, 'base64'), [Buffer.from(OLD, 'base64')]);
    const sealedOld = oldBox.seal('hello');
    expect(box.openStale(sealedOld)).toEqual({ plain: 'hello', stale: true });
    const sealedNew = box.seal('hello');
    expect(box.openStale(sealedNew)).toEqual({ plain: 'hello', stale: false });
    expect(sealedNew.startsWith('v1:')).toBe(true);
    expect(() => oldBox.open(sealedNew)).toThrow();
    expect(() => new SecretBox(Buffer.from(NEW, 'base64')).open(sealedOld)).toThrow();
  });
});

const redisAbsent = await redisMissing();

describe.each([
  ['SQLite', false],
  ['Redis', true],
] as const)('key rotation through restarts (%s)', (_engine, onRedis) => {
  const dataDir = tempDir();
  const prefix = randomPrefix();
  const engine: Record<string, string> = onRedis ? { HERALD_REDIS_URL: REDIS_URL } : {};
  const config = onRedis ? { redis: { keyPrefix: prefix } } : undefined;
  let rx: Receiver;
  afterAll(async () => {
    await rx?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (onRedis && !redisAbsent) await dropPrefix(prefix);
  });

  it.skipIf(onRedis && !!redisAbsent)('re-seals every subscription at start, keeps delivering signed, and keeps duplicates detected', async () => {
    rx = await startReceiver();
    const endpoint = `${rx.url}/hook`;
    const a = await startTestHerald({ dataDir, config, env: { ...engine, HERALD_SECRET_KEY: OLD } });
    await a.api('POST', '/v1/topics', { name: 'ops' });
    const sub = await a.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint, secret: SECRET });
    expect(sub.status).toBe(201);
    const sealedBefore = await a.running.herald.store.get<any>(`sub:${sub.body.id}`);
    await a.stop();

    // the new key alone cannot read them: starting without the previous key would lose deliveries
    const b = await startTestHerald({ dataDir, config, env: { ...engine, HERALD_SECRET_KEY: NEW, HERALD_SECRET_KEY_PREVIOUS: OLD } });
    try {
      const sealedAfter = await b.running.herald.store.get<any>(`sub:${sub.body.id}`);
      expect(sealedAfter.endpoint).not.toBe(sealedBefore.endpoint);
      expect(sealedAfter.secret).not.toBe(sealedBefore.secret);
      const onlyNew = new SecretBox(Buffer.from(NEW, 'base64'));
      expect(onlyNew.open(sealedAfter.endpoint)).toBe(endpoint);
      expect(onlyNew.open(sealedAfter.secret)).toBe(SECRET);
      const dup = await b.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint });
      expect(dup.status).toBe(409);
    } finally {
      await b.stop();
    }

    // next start: the new key only
    const c = await startTestHerald({ dataDir, config, env: { ...engine, HERALD_SECRET_KEY: NEW } });
    try {
      const pub = await c.api('POST', '/v1/topics/ops/publish', 'after rotation');
      expect(pub.status).toBe(202);
      const hit = await waitFor('the delivery', () => rx.hits[0]);
      expect(hit.json.message).toBe('after rotation');
      expect(hit.headers['x-herald-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      const { verifyWebhook } = await import('../../adapters/webhook/sign.js');
      const ts = hit.headers['x-herald-timestamp'] as string;
      expect(verifyWebhook(SECRET, ts, hit.body, hit.headers['x-herald-signature'] as string, Math.floor(Date.now() / 1000))).toBe(true);
    } finally {
      await c.stop();
    }
    // the old ciphertexts are not left in the engine's files
    for (const f of onRedis ? [] : readdirSync(dataDir)) {
      if (f.endsWith('.key')) continue;
      expect(readFileSync(join(dataDir, f)).includes(sealedBefore.endpoint.slice(3, 40)), f).toBe(false);
    }
  });
});

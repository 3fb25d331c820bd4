/**
 * An instance killed with SIGKILL during a fan-out loses nothing: the other instance takes over
 * its running deliveries (BullMQ stalled jobs) and delivers every accepted message.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, configFile, request, startTestHerald, tempDir, waitFor } from '../helpers/herald.js';
import { startReceiver } from '../helpers/receiver.js';
import { spawnHerald } from '../helpers/spawn.js';
import { dropPrefix, randomPrefix, redisConfig, redisEnv, redisMissing } from './support.js';

const missing = await redisMissing();
const SUBSCRIBERS = 10;
const MESSAGES = 60;

describe.skipIf(missing)('kill -9 of one instance', () => {
  const prefix = randomPrefix();
  const dirA = tempDir();
  afterAll(async () => {
    rmSync(dirA, { recursive: true, force: true });
    await dropPrefix(prefix);
  }, 30_000);

  it('the other instance delivers everything', async () => {
    const rx = await startReceiver({ delayMs: 20 });
    const config = redisConfig(prefix);
    const a = await spawnHerald({
      ...redisEnv(),
      HERALD_DATA_DIR: dirA,
      HERALD_CONFIG: configFile(dirA, config),
      HERALD_ADMIN_TOKEN: ADMIN,
      HERALD_ALLOW_HOSTS: '127.0.0.1',
      HERALD_LOG_LEVEL: 'warn',
    });
    const b = await startTestHerald({ env: redisEnv(), config });
    try {
      const api = (m: string, p: string, body?: unknown) => request(a.url, m, p, body);
      expect((await api('POST', '/v1/topics', { name: 'fanout' })).status).toBe(201);
      for (let i = 0; i < SUBSCRIBERS; i++) {
        expect((await api('POST', '/v1/topics/fanout/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s${i}` })).status).toBe(201);
      }
      const accepted: string[] = [];
      for (let i = 0; i < MESSAGES; i++) {
        const r = await api('POST', '/v1/topics/fanout/publish', { message: `m${i}` });
        expect(r.status).toBe(202);
        accepted.push(r.body.messageId);
      }

      await waitFor('deliveries under way', () => rx.hits.length >= 100, 30_000);
      a.proc.kill('SIGKILL');
      expect(await a.exited).toBe('SIGKILL');
      expect(new Set(rx.hits.map((h) => h.json.deliveryId)).size).toBeLessThan(SUBSCRIBERS * MESSAGES);

      await waitFor(
        'every delivery, through the surviving instance',
        () => new Set(rx.hits.map((h) => h.json.deliveryId)).size === SUBSCRIBERS * MESSAGES,
        90_000,
      );
      const unique = new Set(rx.hits.map((h) => h.json.deliveryId));
      for (const id of accepted) for (let i = 0; i < SUBSCRIBERS; i++) expect(unique.has(`${id}.${String(i).padStart(5, '0')}`)).toBe(true);
      await waitFor('records settle', async () => {
        for (const id of accepted) {
          const r = await b.api('GET', `/v1/messages/${id}`);
          if (!r.body.deliveries.every((d: { status: string }) => d.status === 'delivered')) return false;
        }
        return true;
      });
      // what is left are jobs that find their delivery done: the dead instance's (taken over once
      // their lock lapses, LOCK_DURATION_MS + STALLED_INTERVAL_MS) and ones queued to look later
      await waitFor('the queue drains', async () => (await b.running.herald.queue.depth()) === 0, 30_000);
    } finally {
      if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGKILL');
      await b.stop();
      await rx.close();
    }
  }, 150_000);
});

/**
 * A receiver that never answers holds one worker slot at most: with 80 deliveries queued for it
 * (and only 4 worker slots), an unrelated subscription is still delivered at once; SIGTERM returns
 * within delivery.timeoutMs and a little, exit 0, and the backlog is delivered after a restart.
 * Both modes: the embedded queue, and BullMQ with the Redis gate.
 */
import { createServer, type ServerResponse } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, configFile, request, tempDir, waitFor } from '../helpers/herald.js';
import { startReceiver } from '../helpers/receiver.js';
import { spawnHerald } from '../helpers/spawn.js';
import { dropPrefix, randomPrefix, redisEnv, redisMissing } from '../redis/support.js';

const TIMEOUT_MS = 3_000;
const BACKLOG = 80;

/** A webhook receiver that hangs (accepts and never answers) until told to answer. */
async function startHangingReceiver() {
  const hung = new Set<ServerResponse>();
  const seen: string[] = [];
  let hanging = true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).deliveryId);
      if (hanging) hung.add(res);
      else res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    seen,
    answer() {
      hanging = false;
      for (const res of hung) res.destroy();
      hung.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const redisSkip = await redisMissing();
const modes = [
  { mode: 'embedded', skip: false },
  { mode: 'redis', skip: !!redisSkip },
];

describe.each(modes)('$mode mode', ({ mode, skip }) => {
  const dataDir = tempDir();
  const prefix = randomPrefix();
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (mode === 'redis' && !skip) await dropPrefix(prefix);
  });

  it.skipIf(skip)('a hanging receiver delays no one else; SIGTERM is bounded and keeps the backlog', async () => {
    const hang = await startHangingReceiver();
    const ok = await startReceiver();
    const config = configFile(dataDir, { delivery: { timeoutMs: TIMEOUT_MS, concurrency: 4 }, redis: { keyPrefix: prefix } });
    const env = {
      HERALD_DATA_DIR: dataDir,
      HERALD_ADMIN_TOKEN: ADMIN,
      HERALD_ALLOW_HOSTS: '127.0.0.1',
      HERALD_LOG_LEVEL: 'error',
      HERALD_CONFIG: config,
      ...(mode === 'redis' ? redisEnv() : {}),
    };
    let herald = await spawnHerald(env);
    const api = (m: string, p: string, b?: unknown) => request(herald.url, m, p, b);
    try {
      for (const name of ['hang', 'other']) expect((await api('POST', '/v1/topics', { name })).status).toBe(201);
      expect((await api('POST', '/v1/topics/hang/subscriptions', { protocol: 'webhook', endpoint: hang.url })).status).toBe(201);
      expect((await api('POST', '/v1/topics/other/subscriptions', { protocol: 'webhook', endpoint: `${ok.url}/other` })).status).toBe(201);
      for (let i = 0; i < BACKLOG; i++) expect((await api('POST', '/v1/topics/hang/publish', { message: `h${i}` })).status).toBe(202);
      await waitFor('the first hanging request', () => hang.seen.length >= 1);

      // an unrelated subscription, published behind 80 deliveries for the hanging receiver
      const started = Date.now();
      expect((await api('POST', '/v1/topics/other/publish', { message: 'unrelated' })).status).toBe(202);
      await waitFor('the unrelated delivery', () => ok.hits.length >= 1, 30_000);
      const delay = Date.now() - started;
      // before: (backlog − concurrency) × timeoutMs; now it never waits for the hanging one at all
      expect(delay).toBeLessThan(TIMEOUT_MS / 2);
      // one request at a time on the hanging receiver's lane: the rest wait without a slot
      expect(hang.seen.length).toBeLessThanOrEqual(2);

      const stopAt = Date.now();
      herald.proc.kill('SIGTERM');
      expect(await herald.exited).toBe(0);
      const stopMs = Date.now() - stopAt;
      expect(stopMs).toBeLessThan(TIMEOUT_MS + 5_000);

      // the backlog was kept: a restart delivers every one of them, each once (bar the one in flight)
      hang.answer();
      herald = await spawnHerald(env);
      await waitFor('the whole backlog', () => new Set(hang.seen).size >= BACKLOG, 60_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(new Set(hang.seen).size).toBe(BACKLOG);
      expect(hang.seen.length).toBeLessThanOrEqual(BACKLOG + 2);
      console.log(`${mode}: unrelated delivery after ${delay} ms behind a hanging receiver; SIGTERM exited in ${stopMs} ms`);
    } finally {
      herald.proc.kill('SIGTERM');
      await herald.exited;
      await hang.close();
      await ok.close();
    }
  }, 120_000);
});

/**
 * Accepted means durable: 300 messages to 10 subscribers, the server killed with SIGKILL while it
 * delivers, restarted on the same data dir — every one of the 3,000 deliveries arrives.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { ADMIN, request, tempDir, waitFor } from '../helpers/herald.js';
import { startReceiver } from '../helpers/receiver.js';
import { freePort, spawnHerald } from '../helpers/spawn.js';

const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('loses no accepted delivery across kill -9 and a restart', async () => {
  const rx = await startReceiver({ delayMs: 15 });
  const port = await freePort();
  const env = { HERALD_DATA_DIR: dataDir, HERALD_ADMIN_TOKEN: ADMIN, HERALD_ALLOW_HOSTS: '127.0.0.1', HERALD_LOG_LEVEL: 'warn' };
  const first = await spawnHerald(env, port);
  const api = (m: string, p: string, b?: unknown) => request(first.url, m, p, b);

  expect((await api('POST', '/v1/topics', { name: 'durable' })).status).toBe(201);
  for (let i = 0; i < 10; i++) {
    expect((await api('POST', '/v1/topics/durable/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s${i}` })).status).toBe(201);
  }
  const accepted: string[] = [];
  for (let batch = 0; batch < 30; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api('POST', '/v1/topics/durable/publish', { message: `m${batch * 10 + i}` })),
    );
    for (const a of answers) {
      expect(a.status).toBe(202);
      accepted.push(a.body.messageId);
    }
  }
  expect(accepted).toHaveLength(300);

  // Kill it while deliveries are under way.
  await waitFor('some deliveries', () => rx.hits.length >= 200, 30_000);
  first.proc.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  const beforeRestart = new Set(rx.hits.map((x) => x.json.deliveryId)).size;
  expect(beforeRestart).toBeLessThan(3000);

  const second = await spawnHerald(env, port);
  try {
    await waitFor(
      'all 3,000 deliveries',
      () => new Set(rx.hits.map((x) => x.json.deliveryId)).size === 3000,
      60_000,
    );
    const unique = new Set(rx.hits.map((x) => x.json.deliveryId));
    // each accepted message reached each of the 10 subscribers
    for (const id of accepted) for (let i = 0; i < 10; i++) expect(unique.has(`${id}.${String(i).padStart(5, '0')}`)).toBe(true);
    const rec = await request(second.url, 'GET', `/v1/messages/${accepted[299]}`);
    await waitFor('records settle', async () => {
      const r = await request(second.url, 'GET', `/v1/messages/${accepted[299]}`);
      return r.body.deliveries.every((d: any) => d.status === 'delivered');
    });
    expect(rec.body.deliveries).toHaveLength(10);
  } finally {
    second.proc.kill('SIGTERM');
    await second.exited;
    await rx.close();
  }
}, 120_000);

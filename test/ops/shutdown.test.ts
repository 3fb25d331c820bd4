/**
 * SIGTERM with deliveries in flight: the server finishes the ones on the wire, exits 0, and a
 * restart on the same data dir delivers everything still queued — nothing accepted is lost.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { ADMIN, request, tempDir, waitFor } from '../helpers/herald.js';
import { startReceiver } from '../helpers/receiver.js';
import { freePort, spawnHerald } from '../helpers/spawn.js';

const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('stops on SIGTERM with deliveries in flight, exits 0, and a restart delivers the rest', async () => {
  // slow answers keep deliveries on the wire when the signal arrives
  const rx = await startReceiver({ delayMs: 300 });
  const port = await freePort();
  const env = { HERALD_DATA_DIR: dataDir, HERALD_ADMIN_TOKEN: ADMIN, HERALD_ALLOW_HOSTS: '127.0.0.1', HERALD_LOG_LEVEL: 'warn' };
  const first = await spawnHerald(env, port);
  const api = (m: string, p: string, b?: unknown) => request(first.url, m, p, b);
  try {
    expect((await api('POST', '/v1/topics', { name: 'drain' })).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      expect((await api('POST', '/v1/topics/drain/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s${i}` })).status).toBe(201);
    }
    const accepted: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await api('POST', '/v1/topics/drain/publish', { message: `m${i}` });
      expect(res.status).toBe(202);
      accepted.push(res.body.messageId);
    }
    // 200 deliveries; each robot (endpoint) takes one at a time at 300 ms, so most are still queued
    await waitFor('deliveries on the wire', () => rx.hits.length >= 5);
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const beforeRestart = new Set(rx.hits.map((x) => x.json.deliveryId)).size;
    expect(beforeRestart).toBeLessThan(200);

    const second = await spawnHerald(env, port);
    try {
      await waitFor('all 200 deliveries', () => new Set(rx.hits.map((x) => x.json.deliveryId)).size === 200, 60_000);
      for (const id of accepted) {
        for (let i = 0; i < 5; i++) expect(rx.hits.some((x) => x.json.deliveryId === `${id}.${String(i).padStart(5, '0')}`)).toBe(true);
      }
      const last = await waitFor('records settle', async () => {
        const r = await request(second.url, 'GET', `/v1/messages/${accepted[39]}`);
        return r.body.deliveries.every((d: { status: string }) => d.status === 'delivered') ? r : undefined;
      });
      expect(last.body.deliveries).toHaveLength(5);
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  } finally {
    first.proc.kill('SIGKILL');
    await rx.close();
  }
}, 120_000);

/**
 * Redis refusing writes, for real, on a Redis of this test's own (so no other test's Redis is
 * touched): `maxmemory 1` with `noeviction` makes it refuse every write with OOM, turning it into a
 * replica (of a copy of itself, so no data changes) with READONLY, and a snapshot that cannot be
 * written (its directory is gone) with MISCONF, while reads still answer. Then
 * /readyz fails, writes answer 503 `unavailable` and change nothing; once Redis takes writes again,
 * Herald is ready again by itself.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatCommandHub } from '../../src/commands/hub.js';
import { replies } from '../../src/commands/replies.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { missing } from '../helpers/needs.js';
import { freePort } from '../helpers/spawn.js';
import { redisEnv } from '../redis/support.js';

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = missing('redis-server', hasRedisServer, 'apt-get install redis-server');

describe.skipIf(skip)('Redis refusing writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-full-'));
  const otherDir = mkdtempSync(join(tmpdir(), 'herald-redis-full-'));
  const servers: ChildProcess[] = [];
  const clients: Redis[] = [];
  let port: number;
  let redis: Redis;
  let h: TestHerald;

  /** A Redis of this test's own, and a client of it. */
  async function redisServer(at: string): Promise<{ port: number; client: Redis }> {
    const p = await freePort();
    servers.push(spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', at, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' }));
    // commands wait in the offline queue until the server listens
    const client = new Redis(p, '127.0.0.1', { retryStrategy: () => 50 });
    client.on('error', () => {});
    clients.push(client);
    await client.ping();
    return { port: p, client };
  }

  const readyz = () => h.api('GET', '/readyz', undefined, { token: null });
  /** /readyz's first answer that is not 200 */
  const notReady = () =>
    waitFor('not ready', async () => {
      const r = await readyz();
      return r.status !== 200 && r;
    });
  const readyAgain = () => waitFor('ready again', async () => (await readyz()).status === 200);

  beforeAll(async () => {
    ({ port, client: redis } = await redisServer(dir));
    h = await startTestHerald({ env: redisEnv(`redis://127.0.0.1:${port}`) });
  }, 30_000);
  afterAll(async () => {
    await redis?.config('SET', 'maxmemory', '0').catch(() => {});
    await redis?.call('REPLICAOF', 'NO', 'ONE').catch(() => {});
    await h?.stop();
    for (const c of clients) c.disconnect();
    for (const s of servers) s.kill('SIGKILL');
    for (const d of [dir, otherDir]) rmSync(d, { recursive: true, force: true });
  }, 30_000);

  it('fails /readyz, refuses writes with 503 unavailable, changes nothing, and recovers', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'oom' })).status).toBe(201);
    expect((await h.api('GET', '/readyz', undefined, { token: null })).status).toBe(200);

    await redis.config('SET', 'maxmemory', '1');
    // the answer of the last probe stands for PROBE_EVERY_MS; the next one finds out
    const ready = await notReady();
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).toMatch(/^cannot write: OOM/);

    const topics = (await h.api('GET', '/v1/topics')).body;
    const audit = (await h.api('GET', '/v1/audit?limit=1000')).body;
    const writes: [string, string, unknown][] = [
      ['POST', '/v1/topics', { name: 'late' }],
      ['PATCH', '/v1/topics/oom', { displayName: 'changed' }],
      ['POST', '/v1/topics/oom/subscriptions', { protocol: 'webhook', endpoint: 'http://127.0.0.1:9/hook' }],
      ['POST', '/v1/templates', { name: 'late', protocol: 'default', content: '{{message}}' }],
      ['POST', '/v1/tokens', { name: 'late', scopes: ['publish:oom'] }],
      ['POST', '/v1/topics/oom/publish', { message: 'during' }],
    ];
    for (const [method, path, body] of writes) {
      const r = await h.api(method, path, body);
      expect([method, path, r.status, r.body?.error?.code]).toEqual([method, path, 503, 'unavailable']);
    }
    // a chat command (the hub, past the channel's dedup) says the store is full, and subscribes nothing
    const hub = new ChatCommandHub(h.running.herald, 'lark');
    const chat = 'oc_0123456789abcdef0123456789abcdef';
    const reply = await hub.run({ protocol: 'lark', eventId: 'e1', chatId: chat, userId: 'ou_alice', text: '/subscribe oom', endpoint: `lark-chat:${chat}` });
    expect(reply).toBe(replies.unavailable.en());
    expect((await h.api('GET', '/v1/topics/oom/subscriptions')).body.subscriptions).toEqual([]);
    expect((await h.api('GET', '/v1/topics')).body).toEqual(topics);
    expect((await h.api('GET', '/v1/audit?limit=1000')).body).toEqual(audit);

    await redis.config('SET', 'maxmemory', '0');
    await readyAgain();
    expect((await h.api('POST', '/v1/topics', { name: 'late' })).status).toBe(201);
  }, 60_000);

  it('does the same while it is a replica (READONLY)', async () => {
    expect((await h.api('GET', '/readyz', undefined, { token: null })).status).toBe(200);
    // a copy of it, promoted; then it follows the copy: the same data, read-only
    const copy = await redisServer(otherDir);
    await copy.client.call('REPLICAOF', '127.0.0.1', String(port));
    await waitFor('the copy in sync', async () => Number(await redis.call('WAIT', '1', '1000')) === 1);
    await copy.client.call('REPLICAOF', 'NO', 'ONE');
    await redis.call('REPLICAOF', '127.0.0.1', String(copy.port));
    await waitFor('following the copy', async () => /master_link_status:up/.test(await redis.info('replication')));

    const ready = await notReady();
    expect(ready.body.checks.store).toMatch(/READONLY/);
    const topics = (await h.api('GET', '/v1/topics')).body;
    const r = await h.api('POST', '/v1/topics', { name: 'replica' });
    expect([r.status, r.body.error.code]).toEqual([503, 'unavailable']);
    expect((await h.api('GET', '/v1/topics')).body).toEqual(topics);

    await redis.call('REPLICAOF', 'NO', 'ONE');
    await readyAgain();
    expect((await h.api('POST', '/v1/topics', { name: 'replica' })).status).toBe(201);
  }, 60_000);

  it('does the same while a failed snapshot stops writes (MISCONF)', async () => {
    expect((await h.api('GET', '/readyz', undefined, { token: null })).status).toBe(200);
    await redis.config('SET', 'save', '3600 1');
    rmSync(dir, { recursive: true, force: true });
    expect(existsSync(dir)).toBe(false);
    await redis.bgsave();
    await waitFor('the snapshot to fail', async () => /rdb_last_bgsave_status:err/.test(await redis.info('persistence')));
    const ready = await notReady();
    // Redis refuses even PING under MISCONF: the ping's answer says why
    expect(ready.body.checks.store).toMatch(/cannot take writes right now \(MISCONF|^cannot write: MISCONF/);
    const topics = (await h.api('GET', '/v1/topics')).body;
    const r = await h.api('POST', '/v1/topics', { name: 'misconf' });
    expect([r.status, r.body.error.code]).toEqual([503, 'unavailable']);
    expect((await h.api('GET', '/v1/topics')).body).toEqual(topics);

    await redis.config('SET', 'save', '');
    await readyAgain();
    expect((await h.api('POST', '/v1/topics', { name: 'misconf' })).status).toBe(201);
  }, 60_000);
});

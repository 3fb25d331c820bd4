/**
 * Receivers that answer 200 and then stream without end (issue: three of them held 2.9 GB): a real
 * Herald process reads at most 64 KB of each answer, fails the attempt as transient with the reason,
 * and its resident memory stays within 150 MB of where it started.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { ADMIN, configFile, request, tempDir, waitFor } from '../helpers/herald.js';
import { spawnHerald } from '../helpers/spawn.js';

const dataDir = tempDir();
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** 200, then 64 KB chunks for as long as the client reads. */
async function endlessReceiver(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const chunk = Buffer.alloc(64 * 1024, 'z');
  const server = createServer((req, res) => {
    requests += 1;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) {}
    };
    res.on('drain', pump);
    pump();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, requests: () => requests };
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

it('two endless answers raise RSS by less than 150 MB, and the record says why the attempt failed', async () => {
  const a = await endlessReceiver();
  const b = await endlessReceiver();
  // a long attempt timeout: before the bound, each attempt read for its whole duration
  const herald = await spawnHerald({
    HERALD_DATA_DIR: dataDir,
    HERALD_ADMIN_TOKEN: ADMIN,
    HERALD_ALLOW_HOSTS: '127.0.0.1',
    HERALD_LOG_LEVEL: 'error',
    HERALD_CONFIG: configFile(dataDir, { delivery: { timeoutMs: 30_000, backoffMs: 200 } }),
  });
  const api = (m: string, p: string, body?: unknown) => request(herald.url, m, p, body);
  try {
    expect((await api('POST', '/v1/topics', { name: 'endless' })).status).toBe(201);
    for (const rx of [a, b]) expect((await api('POST', '/v1/topics/endless/subscriptions', { protocol: 'webhook', endpoint: rx.url })).status).toBe(201);
    const before = rssOf(herald.proc.pid!);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(herald.proc.pid!));
    }, 50);
    const published = await api('POST', '/v1/topics/endless/publish', { message: 'hello' });
    expect(published.status).toBe(202);
    try {
      const deliveries = await waitFor(
        'both attempts to fail on the answer size',
        async () => {
          const m = (await api('GET', `/v1/messages/${published.body.messageId}`)).body;
          const ds = m?.deliveries as { lastError?: string; status: string }[] | undefined;
          return ds && ds.length === 2 && ds.every((d) => d.lastError) ? ds : undefined;
        },
        25_000,
      );
      for (const d of deliveries) {
        expect(d.status).toBe('pending'); // transient: it will be retried
        expect(d.lastError).toMatch(/answer too large: 127\.0\.0\.1:\d+ sent more than 64 KB/);
      }
      // a few seconds more of retries against the same receivers
      await waitFor('a retry', () => a.requests() >= 2 && b.requests() >= 2, 15_000);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssOf(herald.proc.pid!));
    console.log(`RSS ${Math.round(before / 2 ** 20)} MB before, peak ${Math.round(peak / 2 ** 20)} MB during two endless answers`);
    expect(peak - before).toBeLessThan(150 * 2 ** 20);
  } finally {
    herald.proc.kill('SIGKILL');
    await herald.exited;
  }
});

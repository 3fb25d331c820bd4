/**
 * Robot pools: a subscription's extraRobots are validated, sealed and masked like its endpoint, and
 * a burst goes through whichever robot has room — each robot within its own window, none refused,
 * in publish order — so a group gets more than one robot's limit when it wants every message alone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';

const WINDOW = { max: 5, perMs: 3000 };
let h: TestHerald;
let fake: FakePlatform;

beforeAll(async () => {
  fake = await startDingtalkFake();
  // batch off: each message goes out on its own, so the pool is what makes room
  h = await startTestHerald({ config: { platforms: { dingtalk: { rateLimits: [WINDOW], batch: false } } } });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

function dump(dir: string): string {
  let all = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    all += statSync(p).isDirectory() ? dump(p) : readFileSync(p).toString('latin1');
  }
  return all;
}

const tokenOf = (endpoint: string) => new URL(endpoint).searchParams.get('access_token')!;

it('refuses a pool that is too big, malformed or names a robot twice, and changes nothing', async () => {
  expect((await h.api('POST', '/v1/topics', { name: 'pool-bad' })).status).toBe(201);
  const main = fake.addRobot().endpoint;
  const extra = (n: number) => Array.from({ length: n }, () => ({ endpoint: fake.addRobot().endpoint }));
  const tries = [
    { extraRobots: extra(10) },
    { extraRobots: [{ endpoint: 'https://example.com/not-a-robot' }] },
    { extraRobots: [{ endpoint: main }] },
    { extraRobots: [{ endpoint: 'x', bogus: 1 }] },
  ];
  for (const t of tries) {
    const r = await h.api('POST', '/v1/topics/pool-bad/subscriptions', { protocol: 'dingtalk', endpoint: main, ...t });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(['invalid_endpoint', 'validation_failed', 'invalid_request']).toContain(r.body.error?.code ?? r.body.code);
  }
  expect((await h.api('GET', '/v1/topics/pool-bad/subscriptions')).body.subscriptions).toHaveLength(0);
});

it('sends a burst through whichever robot has room, each within its window, in order, none refused', async () => {
  const robots = [fake.addRobot({ rateLimit: WINDOW }), fake.addRobot({ rateLimit: WINDOW, secret: `SEC${'9a'.repeat(32)}` }), fake.addRobot({ rateLimit: WINDOW })];
  expect((await h.api('POST', '/v1/topics', { name: 'pool' })).status).toBe(201);
  const sub = await h.api('POST', '/v1/topics/pool/subscriptions', {
    protocol: 'dingtalk',
    endpoint: robots[0]!.endpoint,
    extraRobots: [{ endpoint: robots[1]!.endpoint, secret: robots[1]!.secret }, { endpoint: robots[2]!.endpoint }],
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  // masked like the endpoint: no token in the answer, nor in clear under the data dir
  expect(sub.body.extraRobots).toEqual([
    { endpoint: expect.stringContaining('…'), hasSecret: true },
    { endpoint: expect.stringContaining('…'), hasSecret: false },
  ]);
  const answer = JSON.stringify((await h.api('GET', `/v1/subscriptions/${sub.body.id}`)).body);
  await h.running.herald.store.purge();
  const files = dump(h.dataDir);
  for (const r of robots) {
    expect(answer).not.toContain(tokenOf(r.endpoint));
    expect(files).not.toContain(tokenOf(r.endpoint));
  }
  expect(files).not.toContain(robots[1]!.secret!);

  const BURST = 15; // three robots' windows: one robot alone would need three windows
  for (let i = 0; i < BURST; i++) expect((await h.api('POST', '/v1/topics/pool/publish', { message: `pool ${i}` })).status).toBe(202);
  await waitFor('the whole burst', () => robots.reduce((n, r) => n + fake.received(r.endpoint).length, 0) >= BURST, 20_000);
  const all = robots.flatMap((r) => fake.received(r.endpoint)).sort((a, b) => a.at - b.at);
  expect(all.map((r) => Number(/pool (\d+)/.exec(r.text)![1]))).toEqual([...Array(BURST).keys()]);
  for (const r of robots) {
    expect(fake.received(r.endpoint).length).toBeLessThanOrEqual(WINDOW.max);
    expect(fake.rejections(r.endpoint)).toHaveLength(0);
  }
  // all inside the first window: the pool gave the group three robots' room
  expect(all.at(-1)!.at - all[0]!.at).toBeLessThan(WINDOW.perMs);
});

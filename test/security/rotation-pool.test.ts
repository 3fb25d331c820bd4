/**
 * Key rotation and robot pools: a start with HERALD_SECRET_KEY_PREVIOUS seals every extra robot
 * (its endpoint and its signing secret) anew with the new key, the pool keeps delivering — signed
 * — on the new key alone, and no answer or log line shows a pool robot's token or secret.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secret-box.js';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startTestHerald, tempDir, waitFor } from '../helpers/herald.js';
import { keptLog } from '../helpers/log.js';

const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const EXTRA_SECRET = `SEC${'7c3e9b10'.repeat(8)}`;
// one message per robot per window, each alone: a burst of three needs all three robots
const WINDOW = { max: 1, perMs: 60_000 };
const config = { platforms: { dingtalk: { rateLimits: [WINDOW], batch: false } } };

const { log, lines } = keptLog();

const dataDir = tempDir();
let fake: FakePlatform | undefined;
afterAll(async () => {
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const tokenOf = (endpoint: string) => new URL(endpoint).searchParams.get('access_token')!;

it('re-seals extraRobots on key rotation, delivers through them on the new key, and never shows them', async () => {
  fake = await startDingtalkFake();
  const robots = [fake.addRobot({ rateLimit: WINDOW }), fake.addRobot({ rateLimit: WINDOW, secret: EXTRA_SECRET }), fake.addRobot({ rateLimit: WINDOW })];
  const secrets = [...robots.map((r) => tokenOf(r.endpoint)), EXTRA_SECRET];
  const answers: string[] = [];

  const a = await startTestHerald({ dataDir, config, log, env: { HERALD_SECRET_KEY: OLD } });
  let id: string;
  let before: any;
  try {
    await a.api('POST', '/v1/topics', { name: 'pool' });
    const sub = await a.api('POST', '/v1/topics/pool/subscriptions', {
      protocol: 'dingtalk',
      endpoint: robots[0]!.endpoint,
      extraRobots: [{ endpoint: robots[1]!.endpoint, secret: EXTRA_SECRET }, { endpoint: robots[2]!.endpoint }],
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    id = sub.body.id;
    answers.push(JSON.stringify(sub.body));
    before = await a.running.herald.store.get<any>(`sub:${id}`);
  } finally {
    await a.stop();
  }

  const b = await startTestHerald({ dataDir, config, log, env: { HERALD_SECRET_KEY: NEW, HERALD_SECRET_KEY_PREVIOUS: OLD } });
  try {
    const after = await b.running.herald.store.get<any>(`sub:${id}`);
    const onlyNew = new SecretBox(Buffer.from(NEW, 'base64'));
    expect(after.extraRobots).toHaveLength(2);
    for (const [i, r] of after.extraRobots.entries()) {
      expect(r.endpoint).not.toBe(before.extraRobots[i].endpoint);
      expect(onlyNew.open(r.endpoint)).toBe(robots[i + 1]!.endpoint);
      expect(r.maskedEndpoint).toBe(before.extraRobots[i].maskedEndpoint);
    }
    expect(after.extraRobots[0].secret).not.toBe(before.extraRobots[0].secret);
    expect(onlyNew.open(after.extraRobots[0].secret)).toBe(EXTRA_SECRET);
    expect(after.extraRobots[1].secret).toBeUndefined();
  } finally {
    await b.stop();
  }

  // the new key alone: the pool still delivers, each extra robot signed with its own secret
  const c = await startTestHerald({ dataDir, config, log, env: { HERALD_SECRET_KEY: NEW } });
  try {
    const shown = await c.api('GET', `/v1/subscriptions/${id}`);
    expect(shown.body.extraRobots).toEqual([
      { endpoint: expect.stringContaining('…'), hasSecret: true },
      { endpoint: expect.stringContaining('…'), hasSecret: false },
    ]);
    answers.push(JSON.stringify(shown.body), JSON.stringify((await c.api('GET', '/v1/topics/pool/subscriptions')).body));
    for (let i = 0; i < 3; i++) expect((await c.api('POST', '/v1/topics/pool/publish', { message: `after rotation ${i}` })).status).toBe(202);
    await waitFor('a message at each robot', () => robots.every((r) => fake!.received(r.endpoint).length === 1), 20_000);
    for (const r of robots) expect(fake.rejections(r.endpoint)).toHaveLength(0);
  } finally {
    await c.stop();
  }
  for (const s of secrets) {
    for (const text of answers) expect(text).not.toContain(s);
    for (const l of lines) expect(l).not.toContain(s);
  }
  expect(lines.length).toBeGreaterThan(0);
});

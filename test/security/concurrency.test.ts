/**
 * Quotas and unique names under concurrency, in both stores: the check and the write are one atomic
 * step (an IMMEDIATE transaction in SQLite, one Lua script in Redis), so parallel requests, chat
 * commands among them, and two instances sharing Redis cannot pass a quota or take a name twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscription } from '../../src/http/routes/subscriptions.js';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { dropPrefix, randomPrefix, redisConfig, redisEnv, redisMissing } from '../redis/support.js';

const QUOTAS = { topics: 4, subscriptionsPerTopic: 5, templates: 3 };
const redisAbsent = await redisMissing();
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(() => rx.close());

const statuses = (rs: { status: number }[]) => rs.map((r) => r.status).sort();
const count = (rs: { status: number }[], s: number) => rs.filter((r) => r.status === s).length;

describe.each([
  ['the embedded store', false],
  ['Redis, two instances', true],
] as const)('%s', (_name, onRedis) => {
  const prefix = randomPrefix();
  let a: TestHerald;
  let b: TestHerald;
  const skip = onRedis && !!redisAbsent;

  beforeAll(async () => {
    if (skip) return;
    const config = onRedis ? redisConfig(prefix, { quotas: QUOTAS }) : { quotas: QUOTAS };
    a = await startTestHerald({ env: onRedis ? redisEnv() : {}, config });
    b = onRedis ? await startTestHerald({ env: redisEnv(), config }) : a;
  });
  afterAll(async () => {
    if (skip) return;
    await a?.stop();
    if (b !== a) await b?.stop();
    if (onRedis) await dropPrefix(prefix);
  }, 30_000);
  const either = (i: number) => (i % 2 ? b : a);

  it.skipIf(skip)('30 concurrent subscribes with a quota of 5 create 5, API and chat commands alike', async () => {
    expect((await a.api('POST', '/v1/topics', { name: 'crowded' })).status).toBe(201);
    const api = Array.from({ length: 20 }, (_, i) =>
      either(i).api('POST', '/v1/topics/crowded/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/s${i}` }),
    );
    // a chat command goes through the same function (src/commands/hub.ts → addSubscription)
    const chat = Array.from({ length: 10 }, (_, i) =>
      addSubscription(either(i).running.herald, {
        topic: 'crowded',
        protocol: 'webhook',
        endpoint: `${rx.url}/chat${i}`,
        source: 'chat',
        actor: `chat:test:u${i}`,
      }).then(
        () => ({ status: 201 }),
        (e: { status?: number }) => ({ status: e.status ?? 500 }),
      ),
    );
    const answers = await Promise.all([...api, ...chat]);
    expect(count(answers, 201)).toBe(5);
    expect(count(answers, 403)).toBe(25);
    const subs = (await b.api('GET', '/v1/topics/crowded/subscriptions')).body.subscriptions;
    expect(subs).toHaveLength(5);
    const quotas = (await a.api('GET', '/v1/quotas')).body;
    expect(JSON.stringify(quotas)).not.toMatch(/"used":\s*([6-9]|\d\d)/);
  });

  it.skipIf(skip)('10 concurrent creates of one template give one 201 and nine 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => either(i).api('POST', '/v1/templates', { name: 'race', protocol: 'default', content: `v${i} {{message}}` })),
    );
    expect(statuses(answers)).toEqual([201, ...Array(9).fill(409)]);
    expect((await a.api('GET', '/v1/templates')).body.templates.filter((t: { name: string }) => t.name === 'race')).toHaveLength(1);
  });

  it.skipIf(skip)('concurrent template creates stop at the quota', async () => {
    // one template exists (above); the quota is 3
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => either(i).api('POST', '/v1/templates', { name: `t${i}`, protocol: 'default', content: '{{message}}' })),
    );
    expect(count(answers, 201)).toBe(2);
    expect(count(answers, 403)).toBe(10);
    expect((await a.api('GET', '/v1/templates')).body.templates).toHaveLength(3);
  });

  it.skipIf(skip)('concurrent topic creates stop at the quota, and one name is created once', async () => {
    // one topic exists (crowded); the quota is 4
    const same = await Promise.all(Array.from({ length: 8 }, (_, i) => either(i).api('POST', '/v1/topics', { name: 'once' })));
    expect(statuses(same)).toEqual([201, ...Array(7).fill(409)]);
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => either(i).api('POST', '/v1/topics', { name: `many-${i}` })));
    expect(count(many, 201)).toBe(2);
    expect(count(many, 403)).toBe(8);
    expect((await b.api('GET', '/v1/topics')).body.topics).toHaveLength(4);
  });
});

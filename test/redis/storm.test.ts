/**
 * A storm through two instances sharing Redis: a DingTalk robot and a Lark bot at scaled limits see
 * every message in publish order (digests under the limit, each within the platform's size limit:
 * the fakes refuse larger ones), never refused; a webhook on the same topic gets each message as
 * its own delivery, exactly once, in publish order. The publishes come in pairs, one on each
 * instance at the same moment: publish order is the order of the message ids Herald gave them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import { startLarkFake } from '../fakes/lark-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { dropPrefix, randomPrefix, redisConfig, redisEnv, redisMissing } from './support.js';

const missing = await redisMissing();
// tight, so the storm always outruns it however slowly a loaded machine publishes
const WINDOW = { max: 5, perMs: 4000 };
const STORM = 120;

describe.skipIf(missing)('a storm across instances', () => {
  const prefix = randomPrefix();
  let a: TestHerald;
  let b: TestHerald;
  let rx: Receiver;
  let ding: FakePlatform;
  let lark: FakePlatform;

  beforeAll(async () => {
    rx = await startReceiver();
    ding = await startDingtalkFake();
    lark = await startLarkFake();
    const config = redisConfig(prefix, {
      platforms: { dingtalk: { rateLimits: [WINDOW] }, lark: { rateLimits: [WINDOW, { max: 5, perMs: 1000 }] } },
    });
    a = await startTestHerald({ env: redisEnv(), config });
    b = await startTestHerald({ env: redisEnv(), config });
  });
  afterAll(async () => {
    try {
      await Promise.all([a?.stop(), b?.stop()]);
    } finally {
      await Promise.all([rx?.close(), ding?.close(), lark?.close()]);
      await dropPrefix(prefix);
    }
  }, 30_000);

  it('every group sees every message in publish order, none refused; the webhook gets each once', async () => {
    expect((await a.api('POST', '/v1/topics', { name: 'storm' })).status).toBe(201);
    const d = ding.addRobot({ rateLimit: WINDOW });
    const l = lark.addRobot({ rateLimit: { max: 5, perMs: 1000 } });
    for (const [protocol, endpoint] of [
      ['dingtalk', d.endpoint],
      ['lark', l.endpoint],
      ['webhook', `${rx.url}/storm`],
    ]) {
      expect((await b.api('POST', '/v1/topics/storm/subscriptions', { protocol, endpoint })).status).toBe(201);
    }
    const mark = (i: number) => `storm-${String(i).padStart(3, '0')}-end`;
    const ids: string[] = [];
    for (let i = 0; i < STORM; i += 2) {
      const pair = await Promise.all(
        [i, i + 1].map((k) => (k % 2 ? a : b).api('POST', '/v1/topics/storm/publish', { subject: `Alert ${k}`, message: mark(k) })),
      );
      for (const [k, pub] of pair.entries()) {
        expect(pub.status).toBe(202);
        ids[i + k] = pub.body.messageId;
      }
    }
    const order = [...ids.keys()].sort((x, y) => (ids[x]! < ids[y]! ? -1 : 1));
    for (const [fake, endpoint] of [
      [ding, d.endpoint],
      [lark, l.endpoint],
    ] as const) {
      const seen = () => fake.received(endpoint).map((r) => r.text).join('\n');
      await waitFor(`every message at ${fake.protocol}`, () => [...Array(STORM).keys()].every((i) => seen().includes(mark(i))), 40_000);
      const all = seen();
      let from = -1;
      for (const i of order) {
        const at = all.indexOf(mark(i));
        expect(at, `${fake.protocol} ${mark(i)}`).toBeGreaterThan(from);
        from = at;
      }
      expect(fake.rejections(endpoint)).toHaveLength(0);
      expect(fake.received(endpoint).length).toBeLessThan(STORM);
    }
    await waitFor('every webhook delivery', () => rx.hits.length >= STORM, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.hits.map((h) => h.json.message)).toEqual(order.map(mark));
  }, 90_000);
});

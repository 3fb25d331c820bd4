/**
 * Idempotency-Key on the publish endpoint: a repeat inside publish.idempotencyWindowMs answers
 * with the first messageId and delivers nothing again; the key is per topic; after the window it
 * is a new message. "Nothing again" is proven by order: the robot delivers a topic's messages in
 * publish order, so a marker published after the repeat arrives right after the first message.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLarkFake } from '../fakes/lark-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';

const amFiring = JSON.parse(readFileSync(new URL('../fixtures/alertmanager-firing.json', import.meta.url), 'utf8'));
/** The shortest window the config allows (publish.idempotencyWindowMs ≥ 1000). */
const SHORT_WINDOW_MS = 1000;

let h: TestHerald;
let short: TestHerald;
let lark: FakePlatform;

beforeAll(async () => {
  lark = await startLarkFake();
  h = await startTestHerald();
  short = await startTestHerald({ config: { publish: { idempotencyWindowMs: SHORT_WINDOW_MS } } });
});
afterAll(async () => {
  await h.stop();
  await short.stop();
  await lark.close();
});

let seq = 0;
async function topic(herald: TestHerald = h) {
  const name = `idem-${++seq}`;
  expect((await herald.api('POST', '/v1/topics', { name })).status).toBe(201);
  const robot = lark.addRobot();
  expect((await herald.api('POST', `/v1/topics/${name}/subscriptions`, { protocol: 'lark', endpoint: robot.endpoint })).status).toBe(201);
  const publish = (body: unknown, key?: string) => herald.api('POST', `/v1/topics/${name}/publish`, body, { headers: key ? { 'idempotency-key': key } : {} });
  /** Publishes a marker and waits for it: everything published before it has been delivered by then. */
  const texts = async () => {
    const marker = `marker-${++seq}`;
    expect((await publish(marker)).status).toBe(202);
    await waitFor(`marker on ${name}`, () => lark.received(robot.endpoint).some((r) => r.text.includes(marker)));
    return lark.received(robot.endpoint).map((r) => (r.text.includes('marker-') ? 'marker' : r.text.includes('HighErrorRate') ? 'alert' : r.text));
  };
  return { name, endpoint: robot.endpoint, publish, texts };
}

describe('Idempotency-Key', () => {
  it('a repeat answers 202 with the first messageId and delivers nothing again', async () => {
    const t = await topic();
    const first = await t.publish(amFiring, 'am-group-1');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ deliveries: 1 });
    expect(first.body.duplicate).toBeUndefined();
    await waitFor('the first delivery', () => lark.received(t.endpoint).length === 1);

    const again = await t.publish(amFiring, 'am-group-1');
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ messageId: first.body.messageId, deliveries: 1, duplicate: true });

    expect(await t.texts()).toEqual(['alert', 'marker']);
    const record = await h.api('GET', `/v1/messages/${first.body.messageId}`);
    expect(record.body.deliveries).toHaveLength(1);
  });

  it('the key decides, not the body: a different body with a used key is the first message', async () => {
    const t = await topic();
    const first = await t.publish('disk full on db-2', 'job-42');
    const other = await t.publish('something else entirely', 'job-42');
    expect(other.body).toMatchObject({ messageId: first.body.messageId, duplicate: true });
    expect(await t.texts()).toEqual(['disk full on db-2', 'marker']);
  });

  it('concurrent repeats: every answer names one message, delivered once', async () => {
    const t = await topic();
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.publish(amFiring, 'storm-1')));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(new Set(answers.map((a) => a.body.messageId)).size).toBe(1);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    expect(await t.texts()).toEqual(['alert', 'marker']);
  });

  it('keys are per topic: the same key on another topic is another message', async () => {
    const a = await topic();
    const b = await topic();
    const onA = await a.publish(amFiring, 'shared-key');
    const onB = await b.publish(amFiring, 'shared-key');
    expect(onB.body.messageId).not.toBe(onA.body.messageId);
    expect(onB.body.duplicate).toBeUndefined();
    expect(await a.texts()).toEqual(['alert', 'marker']);
    expect(await b.texts()).toEqual(['alert', 'marker']);
  });

  it('without a key, the same body twice is two messages', async () => {
    const t = await topic();
    const one = await t.publish(amFiring);
    const two = await t.publish(amFiring);
    expect(two.body.messageId).not.toBe(one.body.messageId);
    expect(await t.texts()).toEqual(['alert', 'alert', 'marker']);
  });

  it('after the window the key is free again: a new message', async () => {
    const t = await topic(short);
    const first = await t.publish('nightly backup done', 'backup-2026-05-01');
    expect(first.status).toBe(202);
    await new Promise((r) => setTimeout(r, SHORT_WINDOW_MS + 200));
    const later = await t.publish('nightly backup done', 'backup-2026-05-01');
    expect(later.status).toBe(202);
    expect(later.body.messageId).not.toBe(first.body.messageId);
    expect(later.body.duplicate).toBeUndefined();
    expect(await t.texts()).toEqual(['nightly backup done', 'nightly backup done', 'marker']);
  });

  it('refuses a key longer than 255 characters with 400 and stores nothing', async () => {
    const t = await topic();
    const res = await t.publish(amFiring, 'k'.repeat(256));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(await h.running.herald.store.zcard(`topic-msgs:${t.name}`)).toBe(0);
  });
});

/**
 * Delivery records show the message: its subject, text and source, and per delivery every attempt
 * with its time and the platform's answer; a replay starts a fresh history without the stale code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let h: TestHerald;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald({ config: { delivery: { maxAttempts: 2, backoffMs: 20, maxBackoffMs: 40 } } });
  expect((await h.api('POST', '/v1/topics', { name: 'rec' })).status).toBe(201);
  const sub = await h.api('POST', '/v1/topics/rec/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/hook`, secret: 'k'.repeat(16) });
  expect(sub.status).toBe(201);
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

const settled = (id: string) =>
  waitFor('settled deliveries', async () => {
    const r = await h.api('GET', `/v1/messages/${id}`);
    return r.body.deliveries.every((d: { status: string }) => d.status !== 'pending') && r.body;
  });

describe('a record shows the message', () => {
  it('a text/plain publish: text and source, no subject needed', async () => {
    const pub = await h.api('POST', '/v1/topics/rec/publish', 'backup finished on db-1');
    expect(pub.status).toBe(202);
    const m = await settled(pub.body.messageId);
    expect(m).toMatchObject({ topic: 'rec', text: 'backup finished on db-1', source: 'text', format: 'text' });
    expect(m.subject).toBeUndefined();
  });

  it('a JSON publish: subject and message as published', async () => {
    const pub = await h.api('POST', '/v1/topics/rec/publish', { subject: 'Deploy', message: 'api **v2** is live', level: 'success' });
    const m = await settled(pub.body.messageId);
    expect(m).toMatchObject({ subject: 'Deploy', text: 'api **v2** is live', level: 'success', source: 'json' });
  });

  it('lists cut long texts and say so; the message itself has all of it', async () => {
    const long = `${'x'.repeat(600)}😀tail`;
    const pub = await h.api('POST', '/v1/topics/rec/publish', { message: long });
    const list = await h.api('GET', '/v1/topics/rec/messages?limit=5');
    const row = list.body.messages.find((x: { id: string }) => x.id === pub.body.messageId);
    expect(row.textTruncated).toBe(true);
    expect(row.text.length).toBeLessThan(long.length);
    expect((await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.text).toBe(long);
  });
});

describe('attempt history', () => {
  it('keeps each attempt with its time and answer; a replay starts afresh and drops the stale code', async () => {
    rx.failNext(2, 503);
    const before = Date.now();
    const pub = await h.api('POST', '/v1/topics/rec/publish', 'will fail twice');
    const m = await settled(pub.body.messageId);
    const [d] = m.deliveries;
    expect(d).toMatchObject({ status: 'failed', attempts: 2, lastCode: 503 });
    expect(d.history).toHaveLength(2);
    for (const a of d.history) {
      expect(a).toMatchObject({ ok: false, code: 503 });
      expect(a.error).toMatch(/503/);
      expect(Date.parse(a.at)).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(Date.parse(d.history[1].at)).toBeGreaterThanOrEqual(Date.parse(d.history[0].at));

    const replay = await h.api('POST', `/v1/deliveries/${d.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ status: 'pending', attempts: 0, history: [], replays: 1 });
    expect(replay.body.lastCode).toBeUndefined();
    expect(replay.body.lastError).toBeUndefined();
    const again = await settled(pub.body.messageId);
    expect(again.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1, replays: 1 });
    expect(again.deliveries[0].lastCode).toBeUndefined();
    expect(again.deliveries[0].history).toEqual([{ at: expect.any(String), ok: true }]);
  });
});

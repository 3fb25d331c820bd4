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

describe('replay all failed deliveries in one call', () => {
  it('replays every failed delivery of a topic (and only those), answering how many', async () => {
    const down = await startReceiver();
    try {
      down.failNext(1000, 500);
      for (const name of ['outage-a', 'outage-b']) {
        expect((await h.api('POST', '/v1/topics', { name })).status).toBe(201);
        expect((await h.api('POST', `/v1/topics/${name}/subscriptions`, { protocol: 'webhook', endpoint: `${down.url}/${name}`, secret: 'k'.repeat(16) })).status).toBe(201);
      }
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await h.api('POST', '/v1/topics/outage-a/publish', `a${i}`)).body.messageId);
      const other = (await h.api('POST', '/v1/topics/outage-b/publish', 'b0')).body.messageId;
      for (const id of [...ids, other]) expect((await settled(id)).deliveries[0].status).toBe('failed');

      const count = await h.api('POST', '/v1/deliveries/replay', { status: 'failed', topic: 'outage-a', dryRun: true });
      expect(count.status).toBe(200);
      expect(count.body).toEqual({ matched: 3, replayed: 0, more: false });
      const none = await h.api('POST', '/v1/deliveries/replay', { status: 'failed', topic: 'outage-a', until: '2000-01-01T00:00:00Z', dryRun: true });
      expect(none.body.matched).toBe(0);

      down.failNext(0);
      const run = await h.api('POST', '/v1/deliveries/replay', { status: 'failed', topic: 'outage-a' });
      expect(run.status).toBe(202);
      expect(run.body).toEqual({ matched: 3, replayed: 3, more: false });
      for (const id of ids) {
        const d = (await settled(id)).deliveries[0];
        expect(d).toMatchObject({ status: 'delivered', attempts: 1, replays: 1, history: [{ ok: true }] });
        expect(d.lastCode).toBeUndefined();
      }
      expect((await h.api('GET', `/v1/messages/${other}`)).body.deliveries[0].status).toBe('failed');
      const audit = await h.api('GET', '/v1/audit');
      expect(JSON.stringify(audit.body)).toContain('delivery.replay-all');
    } finally {
      await down.close();
    }
  });

  it('refuses anything but status "failed", changing nothing', async () => {
    const r = await h.api('POST', '/v1/deliveries/replay', { status: 'delivered' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('only failed deliveries');
    expect((await h.api('POST', '/v1/deliveries/replay', {})).status).toBe(400);
  });
});

describe('search the records', () => {
  it('by text (every word, any case, subject or text) and by delivery status, on the paged listing', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'search' })).status).toBe(201);
    expect((await h.api('POST', '/v1/topics/search/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/search`, secret: 'k'.repeat(16) })).status).toBe(201);
    const ids: Record<string, string> = {};
    for (const [key, body] of [
      ['full', 'disk full on db-1'],
      ['ok', 'backup ok'],
      ['check', { subject: 'Disk check', message: 'all volumes fine' }],
    ] as const) {
      ids[key] = (await h.api('POST', '/v1/topics/search/publish', body)).body.messageId;
      await settled(ids[key]!);
    }
    rx.failNext(2, 503);
    ids.failed = (await h.api('POST', '/v1/topics/search/publish', 'disk failed twice')).body.messageId;
    await settled(ids.failed!);

    const found = async (query: string) => (await h.api('GET', `/v1/topics/search/messages?${query}`)).body.messages.map((m: { id: string }) => m.id);
    expect(await found('q=DISK')).toEqual([ids.failed, ids.check, ids.full]);
    expect(await found(`q=${encodeURIComponent('disk db-1')}`)).toEqual([ids.full]);
    expect(await found('q=nothing-like-this')).toEqual([]);
    expect(await found('status=failed')).toEqual([ids.failed]);
    expect(await found('q=disk&status=delivered')).toEqual([ids.check, ids.full]);
    // paging with a search: one at a time, in order
    const first = await h.api('GET', '/v1/topics/search/messages?q=disk&limit=1');
    expect(first.body.messages.map((m: { id: string }) => m.id)).toEqual([ids.failed]);
    const second = await h.api('GET', `/v1/topics/search/messages?q=disk&limit=1&cursor=${encodeURIComponent(first.body.next)}`);
    expect(second.body.messages.map((m: { id: string }) => m.id)).toEqual([ids.check]);
    expect((await h.api('GET', '/v1/topics/search/messages?status=lost')).status).toBe(400);
  });
});

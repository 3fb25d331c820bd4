/**
 * Record listings over HTTP: cursor pages without overlap, time bounds, the deliveries view with
 * its filters, a deleted topic's records gone (and not inherited by a new topic of that name), and
 * the sweep leaving no dead ids behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { freePort } from '../helpers/spawn.js';

const DAY = 86_400_000;
let h: TestHerald;
let rx: Receiver;
let closedPort: number;

beforeAll(async () => {
  rx = await startReceiver();
  closedPort = await freePort();
  h = await startTestHerald({ config: { delivery: { maxAttempts: 1 } } });
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

async function publishMany(topic: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await h.api('POST', `/v1/topics/${topic}/publish`, { message: `m${i}` });
    expect(res.status).toBe(202);
    ids.push(res.body.messageId);
  }
  return ids;
}

async function pageAll(path: string, key: 'messages' | 'deliveries', limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await h.api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body[key].map((x: { id: string }) => x.id));
    cursor = res.body.next;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('GET /v1/topics/{name}/messages', () => {
  it('pages newest first with an opaque cursor, without overlap or gaps', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'paged' })).status).toBe(201);
    const ids = await publishMany('paged', 23);
    const pages = await pageAll('/v1/topics/paged/messages', 'messages', 10);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(pages.flat()).toEqual([...ids].reverse());
  });

  it('bounds by since and until, and refuses a cursor it did not give out', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'timed' })).status).toBe(201);
    const before = await publishMany('timed', 3);
    await new Promise((r) => setTimeout(r, 20));
    const middle = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const after = await publishMany('timed', 2);
    const since = await h.api('GET', `/v1/topics/timed/messages?since=${middle}`);
    expect(since.body.messages.map((m: { id: string }) => m.id)).toEqual([...after].reverse());
    expect(since.body.next).toBeNull();
    const until = await h.api('GET', `/v1/topics/timed/messages?until=${middle}`);
    expect(until.body.messages.map((m: { id: string }) => m.id)).toEqual([...before].reverse());
    const bad = await h.api('GET', '/v1/topics/timed/messages?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect((await h.api('GET', '/v1/topics/timed/messages?since=yesterday')).status).toBe(400);
  });
});

describe('GET /v1/deliveries', () => {
  it('lists by status, topic and subscription, and pages through them', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'dlv' })).status).toBe(201);
    const good = await h.api('POST', '/v1/topics/dlv/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/good` });
    const bad = await h.api('POST', '/v1/topics/dlv/subscriptions', { protocol: 'webhook', endpoint: `http://127.0.0.1:${closedPort}/down` });
    expect(good.status).toBe(201);
    expect(bad.status).toBe(201);
    const ids = await publishMany('dlv', 5);
    await waitFor('every delivery final', async () => {
      const all = await h.api('GET', '/v1/deliveries?topic=dlv&limit=100');
      return all.body.deliveries.length === 10 && all.body.deliveries.every((d: { status: string }) => d.status !== 'pending');
    });
    const failed = (await pageAll('/v1/deliveries?status=failed&topic=dlv', 'deliveries', 2)).flat();
    expect(failed).toHaveLength(5);
    expect(new Set(failed).size).toBe(5);
    const failedRecs = (await h.api('GET', '/v1/deliveries?status=failed&topic=dlv&limit=50')).body.deliveries;
    expect(failedRecs.every((d: { subscriptionId: string }) => d.subscriptionId === bad.body.id)).toBe(true);
    const delivered = (await pageAll(`/v1/deliveries?status=delivered&subscription=${good.body.id}`, 'deliveries', 3)).flat();
    expect(delivered).toEqual([...ids].reverse().map((id) => `${id}.00000`));
    const everyOne = (await pageAll('/v1/deliveries?topic=dlv', 'deliveries', 3)).flat();
    expect(everyOne).toHaveLength(10);
    expect(new Set(everyOne).size).toBe(10);
    // the failed view is the same list
    const legacy = await h.api('GET', '/v1/deliveries/failed?limit=50');
    expect(legacy.body.deliveries.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining(failed),
    );
    expect((await h.api('GET', '/v1/deliveries?status=lost')).status).toBe(400);
    expect((await h.api('GET', '/v1/deliveries?topic=nosuch')).status).toBe(404);
  });
});

describe('records and time', () => {
  it('a deleted topic takes its records along; a new topic of that name starts empty', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'reborn' })).status).toBe(201);
    const old = await publishMany('reborn', 4);
    expect((await h.api('DELETE', '/v1/topics/reborn')).status).toBe(204);
    expect((await h.api('POST', '/v1/topics', { name: 'reborn' })).status).toBe(201);
    const list = await h.api('GET', '/v1/topics/reborn/messages');
    expect(list.body.messages).toEqual([]);
    expect((await h.api('GET', `/v1/messages/${old[0]}`)).status).toBe(404);
    const fresh = await publishMany('reborn', 1);
    await h.running.sweeper.sweep();
    const store = h.running.herald.store;
    expect(await store.getMany(old.map((id) => `msg:${id}`))).toEqual(old.map(() => undefined));
    expect((await store.zrange('topic-msgs:reborn', { limit: 10 })).map((e) => e.member)).toEqual(fresh);
    expect((await h.api('GET', '/v1/topics/reborn/messages')).body.messages.map((m: { id: string }) => m.id)).toEqual(fresh);
  });

  it('after retention the sweep leaves no record and no dead id in the indexes', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'aging' })).status).toBe(201);
    const ids = await publishMany('aging', 6);
    const store = h.running.herald.store;
    expect(await store.zcard('topic-msgs:aging')).toBe(6);
    const counts = await h.running.sweeper.sweep(Date.now() + 8 * DAY);
    expect(counts.messages).toBeGreaterThanOrEqual(6);
    expect(await store.zcard('topic-msgs:aging')).toBe(0);
    expect(await store.zcard('msgs')).toBe(0);
    expect(await store.zcard('failed')).toBe(0);
    expect(await store.get(`msg:${ids[0]}`)).toBeUndefined();
    const list = await h.api('GET', '/v1/topics/aging/messages');
    expect(list.body).toEqual({ messages: [], next: null });
  });
});

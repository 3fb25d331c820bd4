/** Quotas and the publish rate limit: each is a clear 4xx, and a refused request changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowOf } from '../../src/http/rate-limit.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let h: TestHerald;
let rx: Receiver;

const QUOTAS = { topics: 2, subscriptionsPerTopic: 2, templates: 1, messageBytes: 512 };

beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald({ config: { quotas: QUOTAS, publish: { rateLimit: { burst: 3, perSecond: 0.01 } } } });
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

/** Everything a refused request could have changed. */
const snapshot = async () => {
  const topics = (await h.api('GET', '/v1/topics')).body.topics;
  const subs = await Promise.all(topics.map((t: any) => h.api('GET', `/v1/topics/${t.name}/subscriptions`).then((r) => r.body)));
  const messages = await Promise.all(topics.map((t: any) => h.api('GET', `/v1/topics/${t.name}/messages`).then((r) => r.body)));
  const templates = (await h.api('GET', '/v1/templates')).body;
  const audit = (await h.api('GET', '/v1/audit')).body;
  return JSON.stringify({ topics, subs, messages, templates, audit });
};

describe('quotas', () => {
  it('quotas.topics: the third topic is 403 quota_exceeded', async () => {
    for (const name of ['a', 'b']) expect((await h.api('POST', '/v1/topics', { name })).status).toBe(201);
    const before = await snapshot();
    const r = await h.api('POST', '/v1/topics', { name: 'c' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('quota_exceeded');
    expect(r.body.error.message).toMatch(/quotas\.topics/);
    expect(await snapshot()).toBe(before);
  });

  it('quotas.subscriptionsPerTopic: the third subscription is 403 quota_exceeded', async () => {
    for (const p of ['one', 'two']) {
      expect((await h.api('POST', '/v1/topics/a/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/${p}` })).status).toBe(201);
    }
    const before = await snapshot();
    const r = await h.api('POST', '/v1/topics/a/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/three`, secret: 'quota-secret-123' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('quota_exceeded');
    expect(r.body.error.message).toMatch(/subscriptionsPerTopic/);
    expect(await snapshot()).toBe(before);
    // the other topic has its own quota
    expect((await h.api('POST', '/v1/topics/b/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/three` })).status).toBe(201);
  });

  it('quotas.templates: the second template is 403 quota_exceeded', async () => {
    expect((await h.api('POST', '/v1/templates', { name: 'first', protocol: 'default', content: '{{message}}' })).status).toBe(201);
    const before = await snapshot();
    const r = await h.api('POST', '/v1/templates', { name: 'second', protocol: 'webhook', content: '{{message}}' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('quota_exceeded');
    expect(await snapshot()).toBe(before);
  });

  it('quotas.messageBytes: a larger body is 413 payload_too_large and nothing is published', async () => {
    const before = await snapshot();
    for (const body of ['x'.repeat(QUOTAS.messageBytes + 1), { message: 'y'.repeat(QUOTAS.messageBytes) }]) {
      const r = await h.api('POST', '/v1/topics/b/publish', body);
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
    }
    expect(await snapshot()).toBe(before);
    expect(rx.hits).toHaveLength(0);
  });
});

describe('GET /v1/quotas', () => {
  it('shows each quota with what is used of it (after the cases above filled them)', async () => {
    const r = await h.api('GET', '/v1/quotas');
    expect(r.status).toBe(200);
    const byName = Object.fromEntries(r.body.quotas.map((q: any) => [q.name, q]));
    expect(byName.topics).toMatchObject({ limit: 2, used: 2 });
    expect(byName.subscriptionsPerTopic).toMatchObject({ limit: 2, used: 2 });
    expect(typeof byName.subscriptionsPerTopic.topic).toBe('string');
    expect(byName.templates).toMatchObject({ limit: 1, used: 1 });
    expect(byName.messageBytes).toMatchObject({ limit: 512 });
  });
});

describe('publish rate limit per token', () => {
  it('maps {burst, perSecond} to a window that allows the burst and the average rate', () => {
    expect(windowOf({ burst: 600, perSecond: 300 })).toEqual({ points: 600, duration: 2 });
    expect(windowOf({ burst: 3, perSecond: 0.01 })).toEqual({ points: 3, duration: 300 });
    expect(windowOf({ burst: 10, perSecond: 100 })).toEqual({ points: 100, duration: 1 });
  });

  it('answers the publish after the burst with 429 rate_limited and Retry-After; other tokens are not affected', async () => {
    // the 413s above spent two of the admin token's three
    const one = await h.api('POST', '/v1/topics/b/publish', 'one');
    expect(one.status).toBe(202);
    // let its delivery settle first: the snapshot must only change if the refused publish changed something
    await waitFor('the accepted publish to be delivered', async () => {
      const r = await h.api('GET', `/v1/messages/${one.body.messageId}`);
      return r.body.deliveries.every((d: any) => d.status === 'delivered');
    });
    const before = await snapshot();
    const limited = await h.api('POST', '/v1/topics/b/publish', 'too many');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(300);
    expect(await snapshot()).toBe(before);

    const ci = (await h.api('POST', '/v1/tokens', { name: 'ci', scopes: ['publish:b'] })).body.token;
    for (let i = 0; i < 3; i++) expect((await h.api('POST', '/v1/topics/b/publish', `ci ${i}`, { token: ci })).status).toBe(202);
    expect((await h.api('POST', `/v1/topics/b/publish?token=${ci}`, 'ci 4', { token: null })).status).toBe(429);
    // the admin API is not rate limited
    expect((await h.api('GET', '/v1/topics')).status).toBe(200);
  });
});

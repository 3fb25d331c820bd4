/** The HTTP API through real HTTP: answers, errors, and that a refused request changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';

let h: TestHerald;
let rx: Receiver;

beforeAll(async () => {
  h = await startTestHerald();
  rx = await startReceiver();
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

const snapshot = async () => {
  const topics = (await h.api('GET', '/v1/topics')).body;
  const templates = (await h.api('GET', '/v1/templates')).body;
  return JSON.stringify({ topics, templates });
};

describe('health', () => {
  it('answers /healthz without a token and /readyz when the store answers', async () => {
    expect((await h.api('GET', '/healthz', undefined, { token: null })).status).toBe(200);
    const ready = await h.api('GET', '/readyz', undefined, { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'ok', queue: 'ok' });
  });
});

describe('topics', () => {
  it('creates, lists, reads, renames and deletes a topic', async () => {
    const created = await h.api('POST', '/v1/topics', { name: 'ops-alerts', displayName: 'Ops alerts' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ops-alerts', displayName: 'Ops alerts', subscriptionCount: 0 });
    expect((await h.api('GET', '/v1/topics')).body.topics.map((t: any) => t.name)).toContain('ops-alerts');
    const patched = await h.api('PATCH', '/v1/topics/ops-alerts', { displayName: 'Ops' });
    expect(patched.body.displayName).toBe('Ops');
    expect((await h.api('GET', '/v1/topics/ops-alerts')).body.displayName).toBe('Ops');
    expect((await h.api('DELETE', '/v1/topics/ops-alerts')).status).toBe(204);
    expect((await h.api('GET', '/v1/topics/ops-alerts')).status).toBe(404);
  });

  it.each([
    ['', 'empty'],
    ['-starts-with-dash', 'leading dash'],
    ['has space', 'space'],
    ['a'.repeat(256), 'too long'],
    ['中文', 'non-ASCII'],
  ])('refuses the name %j (%s) with invalid_topic_name and changes nothing', async (name) => {
    const before = await snapshot();
    const res = await h.api('POST', '/v1/topics', { name });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_topic_name');
    expect(res.body.error.message).toMatch(/letters, digits/);
    expect(await snapshot()).toBe(before);
  });

  it('accepts a 255-character name and refuses a duplicate with 409', async () => {
    const name = `T${'x'.repeat(254)}`;
    expect((await h.api('POST', '/v1/topics', { name })).status).toBe(201);
    const dup = await h.api('POST', '/v1/topics', { name });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('topic_exists');
  });

  it('answers malformed JSON with 400 invalid_json and wrong types with invalid_request', async () => {
    const before = await snapshot();
    const bad = await h.api('POST', '/v1/topics', '{"name": ', { headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const wrong = await h.api('POST', '/v1/topics', { name: 42 });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_request');
    const extra = await h.api('POST', '/v1/topics', { name: 'ok1', owner: 'me' });
    expect(extra.body.error.code).toBe('invalid_request');
    expect(await snapshot()).toBe(before);
  });

  it('answers an unknown topic with 404 topic_not_found and an unknown path with 404 not_found', async () => {
    expect((await h.api('GET', '/v1/topics/nope')).body.error.code).toBe('topic_not_found');
    expect((await h.api('POST', '/v1/topics/nope/publish', 'x')).body.error.code).toBe('topic_not_found');
    expect((await h.api('GET', '/nothing-here', undefined, { token: null })).body.error.code).toBe('not_found');
  });

  it('refuses requests without a valid token with 401', async () => {
    expect((await h.api('GET', '/v1/topics', undefined, { token: null })).status).toBe(401);
    const wrong = await h.api('GET', '/v1/topics', undefined, { token: 'nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  });
});

describe('subscriptions', () => {
  it('masks the endpoint, never returns the secret, refuses duplicates and bad protocols', async () => {
    await h.api('POST', '/v1/topics', { name: 'subs' });
    const token = 'a'.repeat(64);
    const endpoint = `${rx.url}/robot/send?access_token=${token}`;
    const res = await h.api('POST', '/v1/topics/subs/subscriptions', { protocol: 'dingtalk', endpoint, secret: 'SECabc123' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ topic: 'subs', protocol: 'dingtalk', status: 'active', hasSecret: true });
    expect(JSON.stringify(res.body)).not.toContain(token);
    expect(JSON.stringify(res.body)).not.toContain('SECabc123');
    const listed = await h.api('GET', '/v1/topics/subs/subscriptions');
    expect(listed.body.subscriptions).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((await h.api('GET', `/v1/subscriptions/${res.body.id}`)).body.endpoint).toBe(res.body.endpoint);

    const dup = await h.api('POST', '/v1/topics/subs/subscriptions', { protocol: 'dingtalk', endpoint });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('subscription_exists');
    const badProto = await h.api('POST', '/v1/topics/subs/subscriptions', { protocol: 'sms', endpoint });
    expect(badProto.body.error.code).toBe('unsupported_protocol');
    const badEndpoint = await h.api('POST', '/v1/topics/subs/subscriptions', { protocol: 'dingtalk', endpoint: 'not a url' });
    expect(badEndpoint.status).toBe(400);
    expect(badEndpoint.body.error.code).toBe('invalid_endpoint');
    const wrongHost = await h.api('POST', '/v1/topics/subs/subscriptions', {
      protocol: 'dingtalk',
      endpoint: `https://evil.example.com/robot/send?access_token=${token}`,
    });
    expect(wrongHost.body.error.code).toBe('invalid_endpoint');
    expect((await h.api('GET', '/v1/topics/subs/subscriptions')).body.subscriptions).toHaveLength(1);

    expect((await h.api('DELETE', `/v1/subscriptions/${res.body.id}`)).status).toBe(204);
    expect((await h.api('GET', `/v1/subscriptions/${res.body.id}`)).status).toBe(404);
  });

  it('deleting a topic deletes its subscriptions', async () => {
    await h.api('POST', '/v1/topics', { name: 'gone' });
    const sub = await h.api('POST', '/v1/topics/gone/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/gone` });
    await h.api('DELETE', '/v1/topics/gone');
    expect((await h.api('GET', `/v1/subscriptions/${sub.body.id}`)).status).toBe(404);
  });
});

describe('templates and publish', () => {
  it('renders template + tags per protocol, preferring the protocol variant over default', async () => {
    await h.api('POST', '/v1/topics', { name: 'tpl' });
    await h.api('POST', '/v1/topics/tpl/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/tpl` });
    expect((await h.api('POST', '/v1/templates', { name: 'deploy', protocol: 'default', content: 'default {{service}}' })).status).toBe(201);
    expect((await h.api('POST', '/v1/templates', { name: 'deploy', protocol: 'webhook', content: 'Deployed {{service}} v{{version}} on {{topic}}' })).status).toBe(201);
    const pub = await h.api('POST', '/v1/topics/tpl/publish', { template: 'deploy', tags: { service: 'api', version: 7 } });
    expect(pub.status).toBe(202);
    const hit = await waitFor('the templated message', () => rx.hits.find((x) => x.path === '/tpl'));
    expect(hit.json.message).toBe('Deployed api v7 on tpl');

    expect((await h.api('PUT', '/v1/templates/deploy/webhook', { content: '{{#if}}' })).body.error.code).toBe('invalid_template');
    expect((await h.api('GET', '/v1/templates/deploy/webhook')).body.content).toBe('Deployed {{service}} v{{version}} on {{topic}}');
    const missing = await h.api('POST', '/v1/topics/tpl/publish', { template: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('template_not_found');
    expect((await h.api('DELETE', '/v1/templates/deploy/webhook')).status).toBe(204);
    expect((await h.api('GET', '/v1/templates/deploy/webhook')).status).toBe(404);
  });

  it('publishes text/plain, form-encoded curl -d, JSON and messageStructure, and records each delivery', async () => {
    await h.api('POST', '/v1/topics', { name: 'pub' });
    const sub = await h.api('POST', '/v1/topics/pub/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/pub` });
    const plain = await h.api('POST', '/v1/topics/pub/publish', 'backup done');
    expect(plain.status).toBe(202);
    expect(plain.body).toMatchObject({ deliveries: 1 });
    const form = await h.api('POST', '/v1/topics/pub/publish', 'disk full', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(202);
    const json = await h.api('POST', '/v1/topics/pub/publish', { subject: 'Deploy', message: 'v2 is out', level: 'success' });
    const structured = await h.api('POST', '/v1/topics/pub/publish', {
      messageStructure: { default: 'for everyone', webhook: 'for webhooks' },
    });
    const bodies = await waitFor('four deliveries', () => {
      const got = rx.hits.filter((x) => x.path === '/pub');
      return got.length >= 4 ? got.map((x) => x.json) : undefined;
    });
    expect(bodies.map((b) => b.message).sort()).toEqual(['backup done', 'disk full', 'for webhooks', 'v2 is out']);
    expect(bodies.find((b) => b.message === 'v2 is out')).toMatchObject({ subject: 'Deploy', level: 'success', topic: 'pub' });

    const record = await waitFor('delivered record', async () => {
      const r = await h.api('GET', `/v1/messages/${json.body.messageId}`);
      return r.body.deliveries?.[0]?.status === 'delivered' ? r.body : undefined;
    });
    expect(record).toMatchObject({ id: json.body.messageId, topic: 'pub' });
    expect(record.deliveries[0]).toMatchObject({ subscriptionId: sub.body.id, protocol: 'webhook', attempts: 1 });
    expect(record.deliveries[0].deliveredAt).toBeTruthy();
    expect(structured.status).toBe(202);
  });

  it('refuses bad publish bodies with a clear 4xx and stores nothing', async () => {
    await h.api('POST', '/v1/topics', { name: 'badpub' });
    const cases: [unknown, string, Record<string, string>?][] = [
      ['{"message": ', 'invalid_json', { 'content-type': 'application/json' }],
      [{ message: 'x', level: 'loud' }, 'invalid_request'],
      [{ subject: 'only a subject' }, 'invalid_request'],
      [{ messageStructure: { webhook: 'no default' } }, 'invalid_request'],
      [{ message: 'x', mentions: { mobiles: ['not-a-phone!'] } }, 'invalid_request'],
      ['   ', 'invalid_request'],
    ];
    for (const [body, code, headers] of cases) {
      const res = await h.api('POST', '/v1/topics/badpub/publish', body, { headers });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe(code);
    }
    const messages = await h.api('GET', '/v1/topics/badpub/messages');
    expect(messages.body.messages).toEqual([]);
  });

  it('answers a body over quotas.messageBytes with 413', async () => {
    const res = await h.api('POST', '/v1/topics/badpub/publish', 'x'.repeat(262_145));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('returns the first messageId for a repeated Idempotency-Key and delivers once', async () => {
    await h.api('POST', '/v1/topics', { name: 'idem' });
    await h.api('POST', '/v1/topics/idem/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/idem` });
    const headers = { 'idempotency-key': 'job-42' };
    const first = await h.api('POST', '/v1/topics/idem/publish', 'once', { headers });
    const second = await h.api('POST', '/v1/topics/idem/publish', 'once', { headers });
    expect(second.status).toBe(202);
    expect(second.body.messageId).toBe(first.body.messageId);
    await waitFor('the delivery', () => rx.hits.some((x) => x.path === '/idem'));
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.hits.filter((x) => x.path === '/idem')).toHaveLength(1);
  });
});

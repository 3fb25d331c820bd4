/** The audit trail: every admin change with actor, time, action and target — and never a secret. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscription, removeSubscription } from '../../src/http/routes/subscriptions.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let h: TestHerald;
let rx: Receiver;

const SUB_SECRET = 'audit-signing-secret-7f3a9c';
const ENDPOINT_KEY = 'endpoint-key-5b8e2d41';

beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald({ config: { delivery: { maxAttempts: 1 } } });
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

const entries = async () => (await h.api('GET', '/v1/audit?limit=1000')).body.entries as any[];

describe('audit trail', () => {
  it('records topics, subscriptions, templates, tokens and replays with actor, time, action and target', async () => {
    const started = Date.now();
    const ok = (r: { status: number }, status: number) => expect(r.status).toBe(status);
    ok(await h.api('POST', '/v1/topics', { name: 'ops' }), 201);
    ok(await h.api('PATCH', '/v1/topics/ops', { displayName: 'Ops' }), 200);
    const sub = await h.api('POST', '/v1/topics/ops/subscriptions', {
      protocol: 'webhook',
      endpoint: `${rx.url}/hook?key=${ENDPOINT_KEY}`,
      secret: SUB_SECRET,
    });
    ok(sub, 201);
    ok(await h.api('POST', '/v1/templates', { name: 'short', protocol: 'default', content: '{{message}}' }), 201);
    ok(await h.api('PUT', '/v1/templates/short/default', { content: '!{{message}}' }), 200);
    ok(await h.api('DELETE', '/v1/templates/short/default'), 204);
    const tok = await h.api('POST', '/v1/tokens', { name: 'ops-admin', scopes: ['admin'] });
    ok(tok, 201);
    // a change made with a scoped admin token is attributed to that token's name
    ok(await h.api('POST', '/v1/topics', { name: 'tmp' }, { token: tok.body.token }), 201);
    ok(await h.api('DELETE', '/v1/topics/tmp', undefined, { token: tok.body.token }), 204);
    rx.failNext(1, 500);
    const pub = await h.api('POST', '/v1/topics/ops/publish', 'fails once');
    const failed = await waitFor('the delivery to fail', async () => {
      const d = (await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0];
      return d?.status === 'failed' && d;
    });
    ok(await h.api('POST', `/v1/deliveries/${failed.id}/replay`), 202);
    // let the replay finish: a subscription deleted while its delivery runs can hit SQLITE_LOCKED in the
    // store's purge (reported to the store's owner); this test is about the audit trail
    await waitFor('the replay to deliver', async () => {
      const d = (await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0];
      return d?.status === 'delivered';
    });
    ok(await h.api('DELETE', `/v1/subscriptions/${sub.body.id}`), 204);
    ok(await h.api('DELETE', '/v1/tokens/ops-admin'), 204);

    const list = await entries();
    const got = list.map((e) => [e.actor, e.action, e.target]).reverse();
    expect(got).toEqual([
      ['admin', 'topic.create', 'ops'],
      ['admin', 'topic.update', 'ops'],
      ['admin', 'subscription.create', sub.body.id],
      ['admin', 'template.create', 'short/default'],
      ['admin', 'template.update', 'short/default'],
      ['admin', 'template.delete', 'short/default'],
      ['admin', 'token.create', 'ops-admin'],
      ['ops-admin', 'topic.create', 'tmp'],
      ['ops-admin', 'topic.delete', 'tmp'],
      ['admin', 'delivery.replay', failed.id],
      ['admin', 'subscription.delete', sub.body.id],
      ['admin', 'token.delete', 'ops-admin'],
    ]);
    for (const e of list) {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(started - 1000);
      expect(e.id).toMatch(/^[a-z0-9]+$/);
    }
    const text = JSON.stringify(list);
    for (const secret of [SUB_SECRET, ENDPOINT_KEY, tok.body.token]) expect(text).not.toContain(secret);
    expect(list.find((e) => e.action === 'subscription.create').details).toMatchObject({ topic: 'ops', protocol: 'webhook', source: 'api' });
  });

  it('keeps no endpoint, masked or not, and the mask hides a short first path segment', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'short-path' })).status).toBe(201);
    // the credential is the whole (short) first path segment
    const sub = await h.api('POST', '/v1/topics/short-path/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/Shhgyv2e9r` });
    expect(sub.status).toBe(201);
    expect(sub.body.endpoint).toBe(`${rx.url}/Shh…`);
    expect((await h.api('DELETE', `/v1/subscriptions/${sub.body.id}`)).status).toBe(204);
    const mine = (await entries()).filter((e) => e.target === sub.body.id);
    expect(mine.map((e) => e.action).sort()).toEqual(['subscription.create', 'subscription.delete']);
    for (const e of mine) {
      expect(e.details).not.toHaveProperty('endpoint');
      expect(JSON.stringify(e)).not.toContain('Shhg');
      expect(JSON.stringify(e)).not.toContain(new URL(rx.url).host);
    }
  });

  it('records subscriptions made and removed by chat commands, attributed to the chat user', async () => {
    const herald = h.running.herald;
    const { sub, created } = await addSubscription(herald, {
      topic: 'ops',
      protocol: 'webhook',
      endpoint: `${rx.url}/chat?key=${ENDPOINT_KEY}`,
      secret: SUB_SECRET,
      source: 'chat',
      chat: { protocol: 'lark', chatId: 'oc_123', chatName: 'SRE' },
      actor: 'lark:ou_456',
    });
    expect(created).toBe(true);
    await removeSubscription(herald, sub, 'lark:ou_456');
    const list = (await entries()).slice(0, 2);
    expect(list.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['lark:ou_456', 'subscription.delete', sub.id],
      ['lark:ou_456', 'subscription.create', sub.id],
    ]);
    expect(list[1].details.source).toBe('chat');
    expect(JSON.stringify(list)).not.toContain(ENDPOINT_KEY);
  });

  it('records nothing for refused changes and reads (GET), and only admins read it', async () => {
    const before = (await entries()).length;
    expect((await h.api('POST', '/v1/topics', { name: 'bad name' })).status).toBe(400);
    expect((await h.api('DELETE', '/v1/topics/missing')).status).toBe(404);
    expect((await h.api('POST', '/v1/tokens', { name: 'x', scopes: ['root'] })).status).toBe(400);
    await h.api('GET', '/v1/topics');
    await h.api('GET', '/v1/tokens');
    expect((await entries()).length).toBe(before);
    const ci = (await h.api('POST', '/v1/tokens', { name: 'ci', scopes: ['publish:ops'] })).body.token;
    expect((await h.api('GET', '/v1/audit', undefined, { token: ci })).status).toBe(403);
  });
});

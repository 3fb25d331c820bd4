/** Scoped tokens through real HTTP: 401/403, ?token= on publish only, a CI token's narrow rights, revoke, listing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/store/tokens.js';
import { ADMIN, startTestHerald, type TestHerald } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let h: TestHerald;
let rx: Receiver;
let ci: string;

beforeAll(async () => {
  h = await startTestHerald();
  rx = await startReceiver();
  for (const name of ['ci', 'other']) expect((await h.api('POST', '/v1/topics', { name })).status).toBe(201);
  const made = await h.api('POST', '/v1/tokens', { name: 'ci-runner', scopes: ['publish:ci'] });
  expect(made.status).toBe(201);
  ci = made.body.token;
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

const code = (r: { body: any }) => r.body?.error?.code;

describe('authentication', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer hrld_not-a-real-token' }],
    ['a malformed header', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 unauthorized for %s, on the admin API and on publish', async (_what, headers) => {
    for (const [method, path] of [
      ['GET', '/v1/topics'],
      ['POST', '/v1/topics/ci/publish'],
      ['GET', '/v1/audit'],
      ['GET', '/v1/tokens'],
    ] as const) {
      const r = await h.api(method, path, method === 'POST' ? 'hello' : undefined, { token: null, headers });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(code(r)).toBe('unauthorized');
    }
  });

  it('accepts ?token= on the publish endpoint only', async () => {
    const pub = await h.api('POST', `/v1/topics/ci/publish?token=${encodeURIComponent(ci)}`, 'from a sender without headers', { token: null });
    expect(pub.status).toBe(202);
    const adminViaQuery = await h.api('GET', `/v1/topics?token=${ADMIN}`, undefined, { token: null });
    expect(adminViaQuery.status).toBe(401);
    const msgViaQuery = await h.api('GET', `/v1/messages/${pub.body.messageId}?token=${encodeURIComponent(ci)}`, undefined, { token: null });
    expect(msgViaQuery.status).toBe(401);
  });
});

describe('a CI token with publish:ci', () => {
  it('publishes to its topic and reads that message record', async () => {
    const pub = await h.api('POST', '/v1/topics/ci/publish', { message: 'build 42 green' }, { token: ci });
    expect(pub.status).toBe(202);
    const rec = await h.api('GET', `/v1/messages/${pub.body.messageId}`, undefined, { token: ci });
    expect(rec.status).toBe(200);
    expect(rec.body.topic).toBe('ci');
  });

  it('may not publish elsewhere nor read other topics’ records (403 forbidden)', async () => {
    const other = await h.api('POST', '/v1/topics/other/publish', 'sneaky', { token: ci });
    expect(other.status).toBe(403);
    expect(code(other)).toBe('forbidden');
    const missing = await h.api('POST', '/v1/topics/nope/publish', 'sneaky', { token: ci });
    expect(missing.status).toBe(403); // no hint whether the topic exists
    const adminPub = await h.api('POST', '/v1/topics/other/publish', 'by admin');
    expect(adminPub.status).toBe(202);
    const read = await h.api('GET', `/v1/messages/${adminPub.body.messageId}`, undefined, { token: ci });
    expect(read.status).toBe(403);
  });

  it('lists the recent messages of its own topic, and only those', async () => {
    const own = await h.api('GET', '/v1/topics/ci/messages', undefined, { token: ci });
    expect(own.status).toBe(200);
    expect(own.body.messages.length).toBeGreaterThan(0);
    expect(own.body.messages.every((m: any) => m.topic === 'ci')).toBe(true);
  });

  it.each([
    ['GET', '/v1/topics', undefined],
    ['POST', '/v1/topics', { name: 'ci-made' }],
    ['GET', '/v1/topics/ci', undefined],
    ['PATCH', '/v1/topics/ci', { displayName: 'x' }],
    ['DELETE', '/v1/topics/ci', undefined],
    ['GET', '/v1/topics/ci/subscriptions', undefined],
    ['POST', '/v1/topics/ci/subscriptions', { protocol: 'webhook', endpoint: 'http://127.0.0.1:1/x' }],
    ['GET', '/v1/topics/other/messages', undefined],
    ['GET', '/v1/templates', undefined],
    ['POST', '/v1/templates', { name: 't', protocol: 'default', content: 'x' }],
    ['GET', '/v1/tokens', undefined],
    ['POST', '/v1/tokens', { name: 'escalate', scopes: ['admin'] }],
    ['DELETE', '/v1/tokens/ci-runner', undefined],
    ['GET', '/v1/audit', undefined],
    ['GET', '/v1/deliveries/failed', undefined],
  ])('is refused %s %s with 403 forbidden', async (method, path, body) => {
    const r = await h.api(method, path, body, { token: ci });
    expect(r.status).toBe(403);
    expect(code(r)).toBe('forbidden');
  });

  it('changed nothing with the refused calls', async () => {
    expect((await h.api('GET', '/v1/topics')).body.topics.map((t: any) => t.name)).toEqual(['ci', 'other']);
    expect((await h.api('GET', '/v1/tokens')).body.tokens.map((t: any) => t.name)).toEqual(['ci-runner']);
    expect((await h.api('GET', '/v1/templates')).body.templates).toEqual([]);
    expect((await h.api('GET', '/v1/topics/ci/subscriptions')).body.subscriptions).toEqual([]);
  });
});

describe('publish:* and admin scopes', () => {
  it('publish:* publishes anywhere but administers nothing; an admin-scoped token administers', async () => {
    const any = (await h.api('POST', '/v1/tokens', { name: 'any-pub', scopes: ['publish:*'] })).body.token;
    expect((await h.api('POST', '/v1/topics/other/publish', 'x', { token: any })).status).toBe(202);
    expect((await h.api('GET', '/v1/topics', undefined, { token: any })).status).toBe(403);
    const ops = (await h.api('POST', '/v1/tokens', { name: 'ops', scopes: ['admin'] })).body.token;
    expect((await h.api('GET', '/v1/topics', undefined, { token: ops })).status).toBe(200);
    const audit = (await h.api('GET', '/v1/audit')).body.entries;
    expect(audit.some((e: any) => e.action === 'token.create' && e.target === 'ops' && e.actor === 'admin')).toBe(true);
  });

  it.each([[['root']], [['publish:']], [['publish:bad name']], [[]], ['admin']])('refuses scopes %j with 400', async (scopes) => {
    const r = await h.api('POST', '/v1/tokens', { name: 'bad-scopes', scopes });
    expect(r.status).toBe(400);
    expect((await h.api('GET', '/v1/tokens')).body.tokens.map((t: any) => t.name)).not.toContain('bad-scopes');
  });
});

describe('listing and revoking', () => {
  it('lists names, scopes and last use, never the token or its hash', async () => {
    const list = await h.api('GET', '/v1/tokens');
    expect(list.status).toBe(200);
    const row = list.body.tokens.find((t: any) => t.name === 'ci-runner');
    expect(row).toMatchObject({ name: 'ci-runner', scopes: ['publish:ci'], createdBy: 'admin' });
    expect(Date.parse(row.lastUsedAt)).toBeGreaterThan(0);
    expect(Object.keys(row).sort()).toEqual(['createdAt', 'createdBy', 'lastUsedAt', 'name', 'scopes']);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(ci);
    expect(text).not.toContain(hashToken(ci));
    expect(text).not.toContain(hashToken(ADMIN));
  });

  it('shows the token once: a second listing or a duplicate name never returns it', async () => {
    const dup = await h.api('POST', '/v1/tokens', { name: 'ci-runner', scopes: ['publish:ci'] });
    expect(dup.status).toBe(409);
    expect(JSON.stringify(dup.body)).not.toContain('hrld_');
  });

  it('revokes: the token stops working at once and the revocation is audited', async () => {
    const t = (await h.api('POST', '/v1/tokens', { name: 'short-lived', scopes: ['publish:ci'] })).body.token;
    expect((await h.api('POST', '/v1/topics/ci/publish', 'x', { token: t })).status).toBe(202);
    expect((await h.api('DELETE', '/v1/tokens/short-lived')).status).toBe(204);
    const after = await h.api('POST', '/v1/topics/ci/publish', 'x', { token: t });
    expect(after.status).toBe(401);
    expect((await h.api('DELETE', '/v1/tokens/short-lived')).status).toBe(404);
    const audit = (await h.api('GET', '/v1/audit')).body.entries;
    expect(audit.find((e: any) => e.action === 'token.delete')).toMatchObject({ actor: 'admin', target: 'short-lived' });
  });
});

describe('reserved names and the order of checks', () => {
  it.each(['admin', 'Admin', 'ADMIN', 'link', 'chat', 'system', 'herald'])('refuses %s as a token name, and creates nothing', async (name) => {
    const before = (await h.api('GET', '/v1/tokens')).body.tokens.length;
    const r = await h.api('POST', '/v1/tokens', { name, scopes: ['publish:ci'] });
    expect(r.status).toBe(400);
    expect(code(r)).toBe('invalid_request');
    expect(r.body.error.message).toMatch(/reserved/);
    expect((await h.api('GET', '/v1/tokens')).body.tokens.length).toBe(before);
  });

  it('checks scope before the rate bucket: forbidden publishes spend nothing', async () => {
    // a bucket of 3: 10 forbidden publishes first, then 3 allowed ones must all pass
    const t = await startTestHerald({ config: { publish: { rateLimit: { burst: 3, perSecond: 0.01 } } } });
    try {
      for (const name of ['mine', 'theirs']) expect((await t.api('POST', '/v1/topics', { name })).status).toBe(201);
      const tok = (await t.api('POST', '/v1/tokens', { name: 'narrow', scopes: ['publish:mine'] })).body.token;
      for (let i = 0; i < 10; i++) expect((await t.api('POST', '/v1/topics/theirs/publish', 'no', { token: tok })).status).toBe(403);
      for (let i = 0; i < 3; i++) expect((await t.api('POST', '/v1/topics/mine/publish', 'yes', { token: tok })).status).toBe(202);
      expect((await t.api('POST', '/v1/topics/mine/publish', 'one too many', { token: tok })).status).toBe(429);
    } finally {
      await t.stop();
    }
  });
});

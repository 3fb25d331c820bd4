/** The Teams adapter over real HTTP against the fake Workflows webhook written from Microsoft's docs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsAdapter } from '../../adapters/teams/index.js';
import { LEVELS, type Adapter, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { startTeamsFake } from '../fakes/teams-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { bigMessage, capturedLog, deliver, inOrder, msg } from './support.js';

const http = createHttpClient({ timeoutMs: 5000 });
const { log, lines } = capturedLog();
let fake: FakePlatform;
let adapter: Adapter;
let ctx: SendContext;

beforeAll(async () => {
  fake = await startTeamsFake();
  adapter = teamsAdapter.create({ config: teamsAdapter.defaults, log, http, now: Date.now });
  ctx = { http, now: Date.now, log };
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

function flow(rateLimit = { max: 1000, perMs: 1000 }): Target {
  return { subscriptionId: 's1', endpoint: adapter.normalizeEndpoint(fake.addRobot({ rateLimit }).endpoint) };
}

const card = (body: any) => body.attachments[0].content;

describe('teams adapter against the fake Workflows webhook', () => {
  it('delivers an Adaptive Card in a message envelope, styled by level', async () => {
    const t = flow();
    expect(await deliver(adapter, t, msg({ text: '## Head\n\n**bold** `code` <b>x</b>\n\n- one\n- two' }), ctx)).toEqual([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.type).toBe('message');
    expect(got!.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const c = card(got!.body);
    expect(c).toMatchObject({ type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' } });
    expect(c.body[0]).toMatchObject({ type: 'Container', style: 'warning', items: [{ type: 'TextBlock', text: '⚠️ **WARNING** · Disk almost full', color: 'Warning' }] });
    expect(c.body[1]).toEqual({ type: 'TextBlock', text: '**Head**\n\n**bold** code <b>x</b>\n\n- one\n- two', wrap: true });
  });

  it('mentions by UPN or object id, each with its entity (the fake checks they match)', async () => {
    const t = flow();
    const id = '87d349ed-44d7-43e1-9a83-5f2406dee5bd';
    expect(await deliver(adapter, t, msg({ mentions: { users: ['adele@contoso.example', id, 'not an id'] } }), ctx)).toEqual([{ ok: true }]);
    const c = card(fake.received(t.endpoint)[0]!.body);
    expect(c.body[1].text).toBe(`<at>adele@contoso.example</at> <at>${id}</at>`);
    expect(c.msteams.entities).toEqual([
      { type: 'mention', text: '<at>adele@contoso.example</at>', mentioned: { id: 'adele@contoso.example', name: 'adele@contoso.example' } },
      { type: 'mention', text: `<at>${id}</at>`, mentioned: { id, name: id } },
    ]);
  });

  it("a message's own <at> tags are text, not mentions without an entity", async () => {
    const t = flow();
    expect(await deliver(adapter, t, msg({ subject: 'ping <at>Bob</at>', text: 'hi <at>Ann</at>' }), ctx)).toEqual([{ ok: true }]);
    const got = fake.received(t.endpoint)[0]!;
    expect(got.text).not.toMatch(/<at>/);
    expect(got.mentions!.users).toEqual([]);
  });

  it.each(LEVELS)('level %s is shown', async (level) => {
    const t = flow();
    expect(await deliver(adapter, t, msg({ level }), ctx)).toEqual([{ ok: true }]);
    expect(fake.received(t.endpoint)[0]!.text).toContain(level.toUpperCase());
  });

  it('a 60 KB message arrives whole, each body ≤ 28 KB, in order', async () => {
    const t = flow();
    const { text, lines: ls } = bigMessage();
    const parts = adapter.render(msg({ text }), t);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(28 * 1024);
    const outcomes = await deliver(adapter, t, msg({ text }), ctx);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const got = fake.received(t.endpoint);
    expect(got.length).toBe(parts.length);
    expect(got.length).toBeGreaterThanOrEqual(3);
    for (const [i, g] of got.entries()) expect(g.text.endsWith(`(${i + 1}/${got.length})`)).toBe(true);
    expect(inOrder(got.map((g) => g.text).join('\n'), [ls[0]!.slice(2, 20), '    fenced <block> & more', ls[450]!.slice(2, 20), ls[899]!.slice(2, 20)])).toBe(true);
    expect(fake.rejections(t.endpoint)).toHaveLength(0);
  });

  it('429 is rate-limited with Retry-After; 5xx transient; a bad signature or missing flow permanent', async () => {
    const slow = flow({ max: 1, perMs: 30_000 });
    await deliver(adapter, slow, msg(), ctx);
    const [limited] = await deliver(adapter, slow, msg(), ctx);
    expect(limited).toMatchObject({ ok: false, kind: 'rate-limited', code: 'WorkflowRequestsThrottled' });
    expect(!limited!.ok && limited!.retryAfterMs).toBeGreaterThan(25_000);
    const t = flow();
    fake.failNext(1);
    expect((await deliver(adapter, t, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'transient', code: 'BadGateway' });
    const badSig = { ...t, endpoint: t.endpoint.replace(/sig=[^&]+/, 'sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') };
    expect((await deliver(adapter, badSig, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', code: 'DirectApiInvalidAuthorizationSignature', message: expect.stringMatching(/copy the URL again/) });
    const gone = { ...t, endpoint: t.endpoint.replace(/workflows\/[0-9a-f]+/, `workflows/${'0'.repeat(32)}`) };
    expect((await deliver(adapter, gone, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', code: 'WorkflowNotFound' });
  });

  it('states charset=utf-8, so a CJK card is measured in UTF-8 (the fake counts UTF-16 without it)', async () => {
    const t = flow();
    const text = '告警'.repeat(4000); // 24 KB of UTF-8; 16 000 characters would count 32 KB as UTF-16
    expect((await deliver(adapter, t, msg({ text }), ctx)).every((o) => o.ok)).toBe(true);
    expect(fake.received(t.endpoint)).toHaveLength(1);
  });

  it('endpoints: both hosts, checked, masked without the signature', () => {
    const logic = 'https://prod-12.westus.logic.azure.com:443/workflows/4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE9dC8bA7zY6x';
    const pp = 'https://default0123456789abcdef.12.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFG';
    expect(adapter.normalizeEndpoint(logic)).toBe(logic.replace(':443', ''));
    expect(adapter.normalizeEndpoint(pp)).toBe(pp);
    expect(adapter.maskEndpoint(adapter.normalizeEndpoint(logic))).toBe('https://prod-12.westus.logic.azure.com/workflows/4f1c…/…?sig=***');
    expect(adapter.limiterKey({ subscriptionId: 's', endpoint: logic })).not.toContain('Zx9y');
    expect(() => adapter.normalizeEndpoint(logic.replace(/&sig=.*/, ''))).toThrow(/sig/);
    expect(() => adapter.normalizeEndpoint('https://contoso.webhook.office.com/webhookb2/x/IncomingWebhook/y/z')).toThrow(/retired/);
  });

  it('no answer or log line shows a signature', () => {
    const sigs = fake.received().map((r) => new URL(r.endpoint).searchParams.get('sig')!);
    for (const line of lines) for (const s of sigs) expect(line).not.toContain(s);
  });
});

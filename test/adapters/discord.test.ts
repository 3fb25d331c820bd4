/** The Discord adapter over real HTTP against the fake execute-webhook endpoint written from Discord's docs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordAdapter } from '../../adapters/discord/index.js';
import { LEVELS, type Adapter, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { startDiscordFake } from '../fakes/discord-server.js';
import { bigMessage, capturedLog, deliver, inOrder, msg } from './support.js';

const http = createHttpClient({ timeoutMs: 5000 });
const { log, lines } = capturedLog();
let fake: Awaited<ReturnType<typeof startDiscordFake>>;
let adapter: Adapter;
let ctx: SendContext;

beforeAll(async () => {
  fake = await startDiscordFake();
  adapter = discordAdapter.create({ config: discordAdapter.defaults, log, http, now: Date.now });
  ctx = { http, now: Date.now, log };
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

function hook(rateLimit = { max: 1000, perMs: 1000 }): Target {
  return { subscriptionId: 's1', endpoint: adapter.normalizeEndpoint(fake.addRobot({ rateLimit }).endpoint) };
}

describe('discord adapter against the fake webhook', () => {
  it('delivers an embed coloured by level; the answer names the message', async () => {
    const t = hook();
    const [out] = await deliver(adapter, t, msg(), ctx);
    expect(out).toMatchObject({ ok: true, platformMessageId: expect.stringMatching(/^\d+$/) });
    const [got] = fake.received(t.endpoint);
    expect(got!.body.embeds).toEqual([
      {
        title: '⚠️ [WARNING] Disk almost full',
        description: msg().text,
        color: 0xf1c40f,
        timestamp: '2026-11-01T00:00:00.000Z',
        footer: { text: 'db-alerts' },
      },
    ]);
    expect(got!.body.content).toBeUndefined();
    expect(fake.pings(t.endpoint)).toEqual([[]]);
  });

  it.each(LEVELS)('level %s has its own colour', async (level) => {
    const t = hook();
    await deliver(adapter, t, msg({ level }), ctx);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.embeds[0].title).toContain(level.toUpperCase());
    expect(got!.body.embeds[0].color).toEqual(expect.any(Number));
  });

  it('pings exactly the mentioned users and @everyone; an @everyone in the text pings no one', async () => {
    const t = hook();
    await deliver(adapter, t, msg({ text: 'hey @everyone and <@111111111111111111>', mentions: { users: ['222222222222222222', 'bob'] } }), ctx);
    await deliver(adapter, t, msg({ text: 'all hands', mentions: { all: true } }), ctx);
    expect(fake.pings(t.endpoint)).toEqual([['222222222222222222'], ['@everyone']]);
  });

  it('plain text is escaped so Discord shows it as written', async () => {
    const t = hook();
    await deliver(adapter, t, msg({ format: 'text', text: '**not bold** _x_' }), ctx);
    expect(fake.received(t.endpoint)[0]!.body.embeds[0].description).toBe('\\*\\*not bold\\*\\* \\_x\\_');
  });

  it('a 60 KB message arrives whole: descriptions ≤ 4096, embeds ≤ 6000, in order', async () => {
    const t = hook();
    const { text, lines: ls } = bigMessage();
    const outcomes = await deliver(adapter, t, msg({ text }), ctx);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const got = fake.received(t.endpoint);
    expect(got.length).toBeGreaterThanOrEqual(15);
    for (const [i, g] of got.entries()) {
      const e = g.body.embeds[0];
      expect(e.description.length).toBeLessThanOrEqual(4096);
      expect(e.title.length + e.description.length + e.footer.text.length).toBeLessThanOrEqual(6000);
      expect(e.description.endsWith(`(${i + 1}/${got.length})`)).toBe(true);
    }
    expect(inOrder(got.map((g) => g.text).join('\n'), [ls[0]!, '```\nfenced <block> & more\n```', ls[450]!, ls[899]!])).toBe(true);
    expect(fake.rejections(t.endpoint)).toHaveLength(0);
  });

  it('429 is rate-limited for retry_after', async () => {
    const t = hook({ max: 1, perMs: 30_000 });
    expect((await deliver(adapter, t, msg(), ctx))[0]).toMatchObject({ ok: true });
    const [out] = await deliver(adapter, t, msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'rate-limited', code: 429 });
    expect(!out!.ok && out!.retryAfterMs).toBeGreaterThan(25_000);
  });

  it('5xx is transient; a deleted webhook or a wrong token is permanent; a bad body is permanent', async () => {
    const t = hook();
    fake.failNext(1);
    expect((await deliver(adapter, t, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'transient', code: 502 });
    const wrong = { ...t, endpoint: t.endpoint.replace(/\/[^/]+$/, `/${'x'.repeat(68)}`) };
    expect((await deliver(adapter, wrong, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', code: 50027 });
    const gone = { ...t, endpoint: `${fake.baseUrl}/api/webhooks/123456789/${'y'.repeat(68)}` };
    const [out] = await deliver(adapter, gone, msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'permanent', code: 10015 });
    expect(!out!.ok && out!.message).toMatch(/Copy Webhook URL/);
    expect(await adapter.send(t, { embeds: [{ title: 'x', description: 'y'.repeat(4097) }] }, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 50035 });
  });

  it('endpoints: checked, canonical, masked without the token', () => {
    const url = `https://discord.com/api/webhooks/1234567890123456789/${'AbC_-'.repeat(13)}`;
    expect(adapter.normalizeEndpoint(url.replace('/api/', '/api/v10/'))).toBe(url);
    expect(adapter.normalizeEndpoint(`${url}?thread_id=987654321`)).toBe(`${url}?thread_id=987654321`);
    expect(adapter.maskEndpoint(url)).toBe('https://discord.com/api/webhooks/1234567890123456789/***');
    expect(adapter.limiterKey({ subscriptionId: 's', endpoint: url })).not.toContain('AbC');
    for (const bad of ['https://discord.com/api/webhooks/123/short', 'https://discord.com/channels/1/2', 'nope']) expect(() => adapter.normalizeEndpoint(bad)).toThrow(/Discord endpoint/);
  });

  it('no answer or log line shows a webhook token', () => {
    const tokens = fake.received().map((r) => r.endpoint.split('/').at(-1)!);
    for (const line of lines) for (const s of tokens) expect(line).not.toContain(s);
  });
});

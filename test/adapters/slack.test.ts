/** The Slack adapter over real HTTP against the fake incoming webhook written from Slack's docs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackAdapter } from '../../adapters/slack/index.js';
import { LEVELS, type Adapter, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { mrkdwnProblem, startSlackFake } from '../fakes/slack-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { bigMessage, capturedLog, deliver, inOrder, msg } from './support.js';

const http = createHttpClient({ timeoutMs: 5000 });
const { log, lines } = capturedLog();
let fake: FakePlatform;
let adapter: Adapter;
let ctx: SendContext;

beforeAll(async () => {
  fake = await startSlackFake();
  adapter = slackAdapter.create({ config: slackAdapter.defaults, log, http, now: Date.now });
  ctx = { http, now: Date.now, log };
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

function hook(rateLimit = { max: 1000, perMs: 1000 }): Target {
  return { subscriptionId: 's1', endpoint: adapter.normalizeEndpoint(fake.addRobot({ rateLimit }).endpoint) };
}

describe('slack adapter against the fake webhook', () => {
  it('delivers Block Kit mrkdwn with a text fallback, escaped', async () => {
    const t = hook();
    expect(await deliver(adapter, t, msg({ text: 'a <b>tag</b> & **bold** `x<y` [doc](https://d.example/?q=1&r=2)\n\n> quoted' }), ctx)).toEqual([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.text).toBe('[WARNING] Disk almost full');
    expect(got!.body.blocks[0].text.text).toBe('⚠️ *WARNING* · *Disk almost full*');
    expect(got!.body.blocks[1].text.text).toBe('a &lt;b&gt;tag&lt;/b&gt; &amp; *bold* `x&lt;y` <https://d.example/?q=1&amp;r=2|doc>\n\n> quoted');
    expect(got!.text).toContain('a <b>tag</b> & *bold* `x<y`');
    expect(fake.rejections(t.endpoint)).toHaveLength(0);
  });

  it('the fake refuses what Slack would show wrongly (it guards the escaping)', async () => {
    const t = hook();
    const payload = { text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a < b & c' } }] };
    expect(await adapter.send(t, payload, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 'invalid_blocks' });
    expect(mrkdwnProblem('a &lt; b &amp; c <!channel> <https://x.example|x>\n> q')).toBeUndefined();
  });

  it('mentions @channel and member ids, in the blocks and the fallback', async () => {
    const t = hook();
    await deliver(adapter, t, msg({ mentions: { all: true, users: ['U012AB3CD', 'not a user'] } }), ctx);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.blocks[0].text.text).toBe('⚠️ *WARNING* · *Disk almost full*\n<!channel> <@U012AB3CD>');
    expect(got!.body.text).toContain('<!channel> <@U012AB3CD>');
  });

  it.each(LEVELS)('level %s is shown in words', async (level) => {
    const t = hook();
    expect(await deliver(adapter, t, msg({ level, format: 'text', text: 'plain <text> & *stars*' }), ctx)).toEqual([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.blocks[0].text.text).toContain(`*${level.toUpperCase()}*`);
    expect(got!.body.blocks[1].text.text).toBe('plain &lt;text&gt; &amp; *stars*');
  });

  it('a 60 KB message arrives whole, sections ≤ 3000 characters, ≤ 50 blocks a message, in order', async () => {
    const t = hook();
    const { text, lines: ls } = bigMessage();
    const outcomes = await deliver(adapter, t, msg({ text }), ctx);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const got = fake.received(t.endpoint);
    expect(got.length).toBeGreaterThan(1);
    for (const [i, g] of got.entries()) {
      expect(g.body.blocks.length).toBeLessThanOrEqual(50);
      expect(g.body.text).toContain(`(${i + 1}/${got.length})`);
      for (const b of g.body.blocks) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
    const all = got.map((g) => g.text).join('\n');
    expect(inOrder(all, [ls[0]!.slice(2, 12), 'fenced <block> & more', ls[450]!.slice(2, 12), ls[899]!.slice(2, 12)])).toBe(true);
    expect(fake.rejections(t.endpoint)).toHaveLength(0);
  });

  it('429 is rate-limited with Retry-After', async () => {
    const t = hook({ max: 1, perMs: 60_000 });
    expect(await deliver(adapter, t, msg(), ctx)).toEqual([{ ok: true }]);
    const [out] = await deliver(adapter, t, msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'rate-limited', code: 429 });
    expect(!out!.ok && out!.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('5xx is transient; a revoked or unknown webhook is permanent with what to do', async () => {
    const t = hook();
    fake.failNext(1);
    expect((await deliver(adapter, t, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'transient', code: 500 });
    const wrong = { ...t, endpoint: t.endpoint.replace(/\/[A-Za-z0-9]+$/, '/wrongsecret0000') };
    const [revoked] = await deliver(adapter, wrong, msg(), ctx);
    expect(revoked).toMatchObject({ ok: false, kind: 'permanent', code: 'invalid_token' });
    const unknown = { ...t, endpoint: `${fake.baseUrl}/services/T000/B000/abcdefgh1234` };
    const [gone] = await deliver(adapter, unknown, msg(), ctx);
    expect(gone).toMatchObject({ ok: false, kind: 'permanent', code: 'no_service' });
    expect(!gone!.ok && gone!.message).toMatch(/Add New Webhook/);
  });

  it('endpoints: checked, canonical, masked without the secret; limiter keys without it', () => {
    const url = 'https://hooks.slack.com/services/T0001ABCD/B0002EFGH/abcdEFGH1234ijklMNOP5678';
    expect(adapter.normalizeEndpoint(` ${url}/ `)).toBe(url);
    expect(adapter.maskEndpoint(url)).toBe('https://hooks.slack.com/services/T0001ABCD/B0002EFGH/***');
    expect(adapter.limiterKey({ subscriptionId: 's', endpoint: url })).not.toContain('abcdEFGH');
    for (const bad of ['https://hooks.slack.com/triggers/T1/123/abc', 'https://hooks.slack.com/services/T1', 'ftp://hooks.slack.com/services/T0001/B0002/abcdefgh', 'nope']) {
      expect(() => adapter.normalizeEndpoint(bad)).toThrow(/Slack endpoint/);
    }
  });

  it('no answer or log line shows a webhook secret', () => {
    for (const r of fake.received()) expect(JSON.stringify(r.body)).not.toMatch(/services\//);
    const secrets = fake.received().map((r) => r.endpoint.split('/').at(-1)!);
    for (const line of lines) for (const s of secrets) expect(line).not.toContain(s);
  });
});

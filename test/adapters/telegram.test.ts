/** The Telegram adapter over real HTTP against the fake Bot API written from Telegram's docs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramAdapter } from '../../adapters/telegram/index.js';
import { LEVELS, type Adapter, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { parseTelegramHtml, startTelegramFake, type TelegramFake } from '../fakes/telegram-server.js';
import { bigMessage, capturedLog, deliver, inOrder, msg } from './support.js';

const http = createHttpClient({ timeoutMs: 5000 });
const { log, lines } = capturedLog();
let fake: TelegramFake;
let adapter: Adapter;
let ctx: SendContext;

beforeAll(async () => {
  fake = await startTelegramFake();
  adapter = telegramAdapter.create({ config: telegramAdapter.defaults, log, http, now: Date.now });
  ctx = { http, now: Date.now, log };
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

function chat(rateLimit = { max: 1000, perMs: 1000 }): Target {
  return { subscriptionId: 's1', endpoint: adapter.normalizeEndpoint(fake.addRobot({ rateLimit }).endpoint) };
}

describe('telegram adapter against the fake Bot API', () => {
  it('delivers HTML, escaped: markup from the message is text, markdown becomes tags', async () => {
    const t = chat();
    const text = 'Volume **/data** at 97% & <b>rising</b> `a<b` [runbook](https://wiki.example.com/rb?a=1&b="2")\n\n```sh\nif [ $a < 3 ]; then echo "&"; fi\n```\n\n> quote **bold**';
    const [out] = await deliver(adapter, t, msg({ text }), ctx);
    expect(out).toMatchObject({ ok: true, platformMessageId: expect.any(String) });
    const [got] = fake.received(t.endpoint);
    expect(got!.body.parse_mode).toBe('HTML');
    expect(got!.body.text).toBe(
      '⚠️ <b>[WARNING] Disk almost full</b>\n\n' +
        'Volume <b>/data</b> at 97% &amp; &lt;b&gt;rising&lt;/b&gt; <code>a&lt;b</code> <a href="https://wiki.example.com/rb?a=1&amp;b=%222%22">runbook</a>\n\n' +
        '<pre><code class="language-sh">if [ $a &lt; 3 ]; then echo "&amp;"; fi</code></pre>\n\n<blockquote>quote <b>bold</b></blockquote>',
    );
    expect(got!.text).toContain('Volume /data at 97% & <b>rising</b> a<b runbook');
    expect(fake.rejections(t.endpoint)).toHaveLength(0);
  });

  it('the fake refuses broken HTML as Telegram does (it guards the escaping)', async () => {
    const t = chat();
    const base = { chat_id: new URL(t.endpoint).searchParams.get('chat_id'), parse_mode: 'HTML' };
    expect(await adapter.send(t, { ...base, text: 'a < b' }, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 400 });
    expect(await adapter.send(t, { ...base, text: '<b>open' }, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 400 });
    expect(parseTelegramHtml('<b>x <i>y</i></b> &amp; &#169;')).toEqual({ text: 'x y & ©' });
  });

  it('mentions: numeric ids inline, usernames as @name', async () => {
    const t = chat();
    await deliver(adapter, t, msg({ mentions: { users: ['123456789', '@ops_lead', 'x y'] } }), ctx);
    expect(fake.received(t.endpoint)[0]!.body.text.split('\n\n')[0]).toBe('⚠️ <b>[WARNING] Disk almost full</b>\n<a href="tg://user?id=123456789">123456789</a> @ops_lead');
  });

  it.each(LEVELS)('level %s is shown; plain text is escaped', async (level) => {
    const t = chat();
    expect(await deliver(adapter, t, msg({ level, format: 'text', text: '<not> **markdown** & co' }), ctx)).toMatchObject([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.text).toBe(`${got!.text.split(' ')[0]} [${level.toUpperCase()}] Disk almost full\n\n<not> **markdown** & co`);
  });

  it('a 60 KB message arrives whole, each part ≤ 4096 characters once parsed, in order', async () => {
    const t = chat();
    const { text, lines: ls } = bigMessage();
    const outcomes = await deliver(adapter, t, msg({ text }), ctx);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const got = fake.received(t.endpoint);
    // link targets are not counted (they are not shown), so parts pack more than 4096 source bytes
    expect(got.length).toBeGreaterThanOrEqual(8);
    for (const [i, g] of got.entries()) {
      expect(g.text.length).toBeLessThanOrEqual(4096);
      expect(g.text.length).toBeGreaterThan(i + 1 < got.length ? 3000 : 0);
      expect(g.text.endsWith(`(${i + 1}/${got.length})`)).toBe(true);
    }
    const all = got.map((g) => g.text).join('\n');
    expect(inOrder(all, [`第0行 line 0: 服务 <api> & link code 0`, 'fenced <block> & more', `第450行`, `第899行 line 899`])).toBe(true);
    expect(ls).toHaveLength(900);
    expect(fake.rejections(t.endpoint)).toHaveLength(0);
  });

  it('429 is rate-limited for parameters.retry_after', async () => {
    const t = chat({ max: 1, perMs: 30_000 });
    expect((await deliver(adapter, t, msg(), ctx))[0]).toMatchObject({ ok: true });
    const [out] = await deliver(adapter, t, msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'rate-limited', code: 429 });
    expect(!out!.ok && out!.retryAfterMs).toBeGreaterThanOrEqual(29_000);
  });

  it('5xx transient; wrong token, unknown chat, kicked bot and migrated group permanent, with what to do', async () => {
    const t = chat();
    fake.failNext(1);
    expect((await deliver(adapter, t, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'transient', code: 500 });
    const wrongToken = { ...t, endpoint: t.endpoint.replace(/bot\d+:[^/]+/, `bot123456:${'Z'.repeat(35)}`) };
    expect((await deliver(adapter, wrongToken, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', code: 401, message: expect.stringMatching(/BotFather/) });
    const noChat = { ...t, endpoint: t.endpoint.replace(/chat_id=[^&]+/, 'chat_id=-100999') };
    expect((await deliver(adapter, noChat, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', code: 400, message: expect.stringMatching(/chat not found/) });
    const migrated = chat();
    const to = fake.migrate(migrated.endpoint);
    expect((await deliver(adapter, migrated, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', message: expect.stringContaining(`chat_id=${to}`) });
    const kicked = chat();
    fake.kick(kicked.endpoint);
    expect((await deliver(adapter, kicked, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'permanent', code: 403 });
  });

  it('endpoints: checked, canonical, masked without the token secret', () => {
    const url = 'https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage?chat_id=-1001234567890';
    expect(adapter.normalizeEndpoint(`${url}&x=1#y`)).toBe(url);
    expect(adapter.normalizeEndpoint(`${url}&message_thread_id=42`)).toBe(`${url}&message_thread_id=42`);
    expect(adapter.maskEndpoint(url)).toBe('https://api.telegram.org/bot123456789:***/sendMessage?chat_id=-1001234567890');
    expect(adapter.limiterKey({ subscriptionId: 's', endpoint: url })).not.toContain('AAHdq');
    for (const bad of ['https://api.telegram.org/bot123:short/sendMessage?chat_id=1', url.replace('chat_id=-1001234567890', 'chat_id=abc'), url.replace('sendMessage', 'getMe'), 'nope']) {
      expect(() => adapter.normalizeEndpoint(bad)).toThrow(/Telegram endpoint/);
    }
  });

  it('no answer or log line shows a bot token', () => {
    const secrets = fake.received().map((r) => /bot\d+:([^/]+)/.exec(r.endpoint)![1]!);
    for (const line of lines) for (const s of secrets) expect(line).not.toContain(s);
  });
});

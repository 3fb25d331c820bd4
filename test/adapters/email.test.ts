/** The email adapter through nodemailer against a real local SMTP server (smtp-server) that checks each message. */
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailAdapter, smtpSettings } from '../../adapters/email/index.js';
import { LEVELS, type Adapter, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { type SmtpFake, startSmtpFake } from '../fakes/smtp-server.js';
import { capturedLog, deliver, msg } from './support.js';

const http = createHttpClient({ timeoutMs: 5000 });
const { log, lines } = capturedLog();
const FROM = 'herald@relay.example';
const PASS = 'smtp-pass-9c1e77f0';
let fake: SmtpFake;
let adapter: Adapter;
let ctx: SendContext;

beforeAll(async () => {
  fake = await startSmtpFake({ user: 'herald', pass: PASS, from: FROM });
  adapter = emailAdapter.create({ config: { ...emailAdapter.defaults, smtpUrl: fake.smtpUrl, from: `Herald <${FROM}>` }, log, http, now: Date.now });
  ctx = { http, now: Date.now, log };
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

const box = (): Target => ({ subscriptionId: 's1', endpoint: adapter.normalizeEndpoint(fake.addRobot().endpoint) });

describe('email adapter against a local SMTP server', () => {
  it('sends "[LEVEL] subject" with an HTML and a plain-text part to every address', async () => {
    const a = fake.addRobot().endpoint.slice(7);
    const b = fake.addRobot().endpoint.slice(7);
    const t = { subscriptionId: 's', endpoint: adapter.normalizeEndpoint(`mailto:${a},${b}`) };
    const [out] = await deliver(adapter, t, msg({ text: 'Volume **/data** at 97% <script>alert(1)</script> & [runbook](https://wiki.example.com/rb)' }), ctx);
    expect(out).toMatchObject({ ok: true, platformMessageId: '<m1.00000@herald>' });
    const mail = fake.mails().at(-1)!;
    expect(mail.subject).toBe('[WARNING] Disk almost full');
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value.map((v) => v.address)).toEqual([a, b]);
    expect(mail.from?.value[0]).toEqual({ address: FROM, name: 'Herald' });
    expect(mail.html).toContain('<strong>/data</strong>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('<a href="https://wiki.example.com/rb">runbook</a>');
    expect(mail.text).toContain('Volume /data at 97% <script>alert(1)</script> & runbook (https://wiki.example.com/rb)');
    expect(mail.headers.get('x-herald-delivery')).toBe('m1.00000');
    expect(fake.received(`mailto:${a}`)).toHaveLength(1);
    expect(fake.received(`mailto:${b}`)).toHaveLength(1);
  });

  it.each(LEVELS)('level %s is in the subject', async (level) => {
    const t = box();
    expect(await deliver(adapter, t, msg({ level, format: 'text', subject: undefined, text: 'line one\nline <two>' }), ctx)).toMatchObject([{ ok: true }]);
    const mail = fake.mails().at(-1)!;
    expect(mail.subject).toBe(`[${level.toUpperCase()}] db-alerts`);
    expect(mail.html).toContain('line one<br>\nline &lt;two&gt;');
  });

  it('a 4xx reply is transient, a 5xx reply permanent', async () => {
    const greylisted = { subscriptionId: 's', endpoint: adapter.normalizeEndpoint('ops@greylist.test') };
    expect((await deliver(adapter, greylisted, msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'transient', code: 451 });
    const unknown = { subscriptionId: 's', endpoint: adapter.normalizeEndpoint('nobody@example.test') };
    const [out] = await deliver(adapter, unknown, msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'permanent', code: 550 });
    expect(!out!.ok && out!.message).toMatch(/refused a recipient/);
    fake.failNext(1);
    expect((await deliver(adapter, box(), msg(), ctx))[0]).toMatchObject({ ok: false, kind: 'transient', code: 421 });
  });

  it('a wrong SMTP password is permanent and never shown', async () => {
    const wrong = emailAdapter.create({ config: { rateLimits: [], smtpUrl: fake.smtpUrl.replace(PASS, 'wrong-pass-123'), from: FROM }, log, http, now: Date.now });
    const [out] = await deliver(wrong, box(), msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'permanent' });
    expect(!out!.ok && out!.message).toMatch(/check the user and password in HERALD_SMTP_URL/);
    expect(JSON.stringify(out)).not.toContain('wrong-pass-123');
  });

  it('the server refuses a message that is not "[LEVEL] subject" (it guards the format)', async () => {
    const t = box();
    const [payload] = adapter.render(msg(), t) as Record<string, unknown>[];
    expect(await adapter.send(t, { ...payload, subject: 'no level' }, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 554 });
  });

  it('endpoints: mailto or a bare list, checked, canonical, masked', () => {
    expect(adapter.normalizeEndpoint('mailto:Ops@Example.COM,dev%40example.org')).toBe('mailto:Ops@example.com,dev@example.org');
    expect(adapter.normalizeEndpoint(' a@x.example; b@y.example , a@x.example ')).toBe('mailto:a@x.example,b@y.example');
    expect(adapter.maskEndpoint('mailto:ops@example.com,dev@example.org')).toBe('mailto:o***@example.com,d***@example.org');
    for (const bad of ['mailto:a@x.example?subject=hi', 'not an address', 'a@b', 'a@x.example\r\nBcc: c@y.example', 'Ops <ops@x.example>', Array.from({ length: 21 }, (_, i) => `u${i}@x.example`).join(',')]) {
      expect(() => adapter.normalizeEndpoint(bad)).toThrow(/email endpoint/);
    }
  });

  it('without HERALD_SMTP_URL a subscription is refused with what to set; a bad value stops the start', () => {
    const off = emailAdapter.create({ config: { rateLimits: [] }, log, http, now: Date.now });
    expect(() => off.normalizeEndpoint('a@x.example')).toThrow(/HERALD_SMTP_URL and HERALD_SMTP_FROM/);
    expect(() => emailAdapter.create({ config: { rateLimits: [], smtpUrl: 'http://u:secretpw@x', from: FROM }, log, http, now: Date.now })).toThrow(/must start with smtp/);
    const badFrom = () => emailAdapter.create({ config: { rateLimits: [], smtpUrl: 'smtp://u:secretpw@x:25', from: 'bad' }, log, http, now: Date.now });
    expect(badFrom).toThrow(/HERALD_SMTP_FROM/);
    expect(badFrom).not.toThrow(/secretpw/);
  });

  it('a server that never greets is a transient failure after the greeting timeout, not a hung delivery', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    // the default is 10 s; the URL's own option wins, which keeps this test short
    const a = emailAdapter.create({ config: { rateLimits: [], smtpUrl: `smtp://127.0.0.1:${port}?greetingTimeout=300`, from: FROM }, log, http, now: Date.now });
    const [out] = await deliver(a, box(), msg(), ctx);
    expect(out).toMatchObject({ ok: false, kind: 'transient', code: 'ETIMEDOUT' });
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('bounds connect, greeting and socket waits unless the URL sets its own', () => {
    const url = new URL(smtpSettings({ config: { rateLimits: [], smtpUrl: 'smtps://u:p@mail.example:465?socketTimeout=5000', from: FROM } })!.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({ socketTimeout: '5000', connectionTimeout: '10000', greetingTimeout: '10000' });
  });

  it('no log line shows the SMTP password', () => {
    for (const line of lines) expect(line).not.toContain(PASS);
  });
});

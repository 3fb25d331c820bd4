/**
 * The five channels through the whole relay (publish → queue → limiter → adapter) against each
 * platform's local stand-in: every message shape is accepted with 0 rejections, markup in a message
 * arrives escaped, a 60 KB message arrives whole in parts that fit, a burst is paced inside the
 * platform's window with 0 rejections, a 5xx is retried, and no API answer or log line ever shows
 * an endpoint's credential.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake } from '../fakes/discord-server.js';
import { startSlackFake } from '../fakes/slack-server.js';
import { type SmtpFake, startSmtpFake } from '../fakes/smtp-server.js';
import { startTeamsFake } from '../fakes/teams-server.js';
import { startTelegramFake } from '../fakes/telegram-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { keptLog } from '../helpers/log.js';

interface Channel {
  protocol: 'email' | 'slack' | 'teams' | 'telegram' | 'discord';
  start: () => Promise<FakePlatform>;
  /** the credential strings inside an endpoint */
  secrets: (endpoint: string) => string[];
}

const SMTP_PASS = 'smtp-secret-5d1f0a9b';
const FROM = 'herald@relay.example';
let smtp: SmtpFake;

const channels: Channel[] = [
  { protocol: 'email', start: async () => smtp, secrets: () => [SMTP_PASS] },
  { protocol: 'slack', start: startSlackFake, secrets: (e) => [e.split('/').at(-1)!] },
  { protocol: 'teams', start: startTeamsFake, secrets: (e) => [new URL(e).searchParams.get('sig')!] },
  { protocol: 'telegram', start: startTelegramFake, secrets: (e) => [/bot\d+:([^/]+)/.exec(e)![1]!] },
  { protocol: 'discord', start: startDiscordFake, secrets: (e) => [e.split('/').at(-1)!] },
];

/** Burst window for the pacing case: small so the test runs in seconds, the same shape as the real ones. */
const BURST_WINDOW = { max: 5, perMs: 1500 };

const { log, lines } = keptLog();
const answers: string[] = [];
const endpoints: { protocol: string; endpoint: string }[] = [];

let h: TestHerald;
const fakes = new Map<string, FakePlatform>();

beforeAll(async () => {
  smtp = await startSmtpFake({ user: 'herald', pass: SMTP_PASS, from: FROM });
  for (const c of channels) fakes.set(c.protocol, await c.start());
  h = await startTestHerald({
    log,
    env: { HERALD_SMTP_URL: smtp.smtpUrl, HERALD_SMTP_FROM: `Herald <${FROM}>`, HERALD_LOG_LEVEL: 'debug' },
    config: {
      delivery: { backoffMs: 50, maxBackoffMs: 200 },
      platforms: Object.fromEntries(channels.map((c) => [c.protocol, { rateLimits: [BURST_WINDOW], batch: false }])),
    },
  });
});
afterAll(async () => {
  await h.stop();
  for (const f of fakes.values()) await f.close();
});

async function api(method: string, path: string, body?: unknown) {
  const r = await h.api(method, path, body);
  answers.push(`${method} ${path} ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

let topicSeq = 0;
async function subscribe(c: Channel, extra: Record<string, unknown> = {}) {
  const fake = fakes.get(c.protocol)!;
  const { endpoint } = fake.addRobot({ rateLimit: BURST_WINDOW });
  endpoints.push({ protocol: c.protocol, endpoint });
  const topic = `${c.protocol}-${++topicSeq}`;
  expect((await api('POST', '/v1/topics', { name: topic })).status).toBe(201);
  const sub = await api('POST', `/v1/topics/${topic}/subscriptions`, { protocol: c.protocol, endpoint, ...extra });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  return { topic, endpoint, fake, sub: sub.body };
}

async function settled(messageId: string) {
  return waitFor(
    `delivery of ${messageId}`,
    async () => {
      const r = await api('GET', `/v1/messages/${messageId}`);
      return r.body.deliveries?.length && r.body.deliveries.every((d: any) => d.status !== 'pending') ? r.body.deliveries : undefined;
    },
    60_000,
  );
}

const shapes: [string, Record<string, unknown>, string][] = [
  ['plain text with markup characters', { message: 'backup <done> & *kept* _as is_', format: 'text' }, 'backup <done> & *kept* _as is_'],
  ['markdown with a subject', { subject: 'Deploy', message: 'api v2 is **out** & <b>live</b>\n\n- one\n- two' }, '<b>live</b>'],
  ['a critical alert', { subject: 'Down', message: 'db unreachable', level: 'critical' }, 'db unreachable'],
  ['@all', { message: 'everyone look', mentions: { all: true } }, 'everyone look'],
];

describe.each(channels)('$protocol through the relay', (c) => {
  it.each(shapes)('delivers %s, accepted by the platform, escaped', async (_name, body, shown) => {
    const { topic, endpoint, fake } = await subscribe(c);
    const pub = await api('POST', `/v1/topics/${topic}/publish`, body);
    expect(pub.status).toBe(202);
    const [d] = await settled(pub.body.messageId);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
    const got = fake.received(endpoint);
    expect(got).toHaveLength(1);
    expect(got[0]!.text, JSON.stringify(got[0]!.text)).toContain(shown);
    expect(fake.rejections(endpoint)).toHaveLength(0);
  });

  it('delivers a 60 KB message whole, in ordered parts that each fit', async () => {
    const { topic, endpoint, fake } = await subscribe(c);
    const lines = Array.from({ length: 900 }, (_, i) => `- 第${i}行 line ${i}: 服务 [link](https://example.com/${i}) \`code\``);
    const pub = await api('POST', `/v1/topics/${topic}/publish`, { subject: 'Big', message: lines.join('\n') });
    const [d] = await settled(pub.body.messageId);
    expect(d).toMatchObject({ status: 'delivered' });
    const got = fake.received(endpoint);
    expect(got).toHaveLength(d.parts);
    if (c.protocol !== 'email') expect(d.parts).toBeGreaterThan(1);
    const all = got.map((g) => g.text).join('\n');
    let from = 0;
    for (const n of ['第0行', '第450行', '第899行']) {
      const at = all.indexOf(n, from);
      expect(at, n).toBeGreaterThanOrEqual(from);
      from = at;
    }
    expect(fake.rejections(endpoint)).toHaveLength(0);
  });

  it('retries a platform failure and then delivers', async () => {
    const { topic, endpoint, fake } = await subscribe(c);
    fake.failNext(2);
    const pub = await api('POST', `/v1/topics/${topic}/publish`, { message: 'after a hiccup' });
    const [d] = await settled(pub.body.messageId);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(fake.received(endpoint)).toHaveLength(1);
  });

  it('paces a burst of 15 inside the sliding window: none refused, none lost, in order', async () => {
    const { topic, endpoint, fake } = await subscribe(c);
    for (let i = 0; i < 15; i++) expect((await api('POST', `/v1/topics/${topic}/publish`, { message: `burst ${i}` })).status).toBe(202);
    await waitFor('15 arrivals', () => fake.received(endpoint).length >= 15, 30_000);
    const got = fake.received(endpoint);
    expect(got).toHaveLength(15);
    const times = got.map((r) => r.at);
    for (let i = BURST_WINDOW.max; i < times.length; i++) expect(times[i]! - times[i - BURST_WINDOW.max]!).toBeGreaterThanOrEqual(BURST_WINDOW.perMs);
    expect(fake.rejections(endpoint)).toHaveLength(0);
    expect(got.map((r) => Number(/burst (\d+)/.exec(r.text)![1]))).toEqual([...Array(15).keys()]);
  });

  it('delivers an Alertmanager alert rendered by the built-in template', async () => {
    const { topic, endpoint, fake } = await subscribe(c);
    const alert = JSON.parse(readFileSync(new URL('../fixtures/alertmanager-firing.json', import.meta.url), 'utf8'));
    const pub = await api('POST', `/v1/topics/${topic}/publish`, alert);
    expect(pub.status, JSON.stringify(pub.body)).toBe(202);
    const ds = await settled(pub.body.messageId);
    expect(ds.every((d: any) => d.status === 'delivered'), JSON.stringify(ds)).toBe(true);
    const got = fake.received(endpoint);
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((g) => g.text).join('\n')).toMatch(/FIRING/);
    expect(fake.rejections(endpoint)).toHaveLength(0);
  });

  it('a template preview renders for it', async () => {
    const r = await api('POST', '/v1/templates/preview', { content: 'hi **{{name}}** <b>', protocol: c.protocol, context: { name: 'ops' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.payloads.length).toBeGreaterThan(0);
  });
});

describe('credentials', () => {
  it('the subscription list shows each endpoint masked', async () => {
    const { topic, endpoint } = await subscribe(channels[3]!); // telegram: its token is in the path
    const list = await api('GET', `/v1/topics/${topic}/subscriptions`);
    expect(list.status).toBe(200);
    const shown = JSON.stringify(list.body);
    expect(shown).toContain('/sendMessage?chat_id=');
    expect(shown).not.toContain(/bot\d+:([^/]+)/.exec(endpoint)![1]!);
  });

  it('no API answer and no log line holds an endpoint credential or the SMTP password', () => {
    expect(endpoints.length).toBeGreaterThan(20);
    expect(lines.length).toBeGreaterThan(0);
    for (const { protocol, endpoint } of endpoints) {
      for (const secret of channels.find((c) => c.protocol === protocol)!.secrets(endpoint)) {
        for (const a of answers) expect(a, `${protocol} answer`).not.toContain(secret);
        for (const l of lines) expect(l, `${protocol} log line`).not.toContain(secret);
      }
    }
  });
});

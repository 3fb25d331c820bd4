/**
 * Silences from the chat, backed by a real Alertmanager: a firing alert carries a signed Silence
 * link; its page names the alert; confirming it creates a real silence (read back from
 * Alertmanager's API) and tells the topic who silenced it. Forged, tampered and expired links
 * change nothing. `/silence HighCPU 2h` from a Lark group creates a 2 h silence.
 */
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, ensureConsoleBuilt } from '../console/setup.js';
import { linkKeyFrom, SilenceLinks } from '../../src/alerts/silence-link.js';
import { alertReplies } from '../../src/alerts/replies.js';
import type { LarkOpenServer } from '../fakes/lark-open-server.js';
import { missing } from '../helpers/needs.js';
import { alertmanagerBinary, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { ADMIN, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { type AlertStack, type AmSilence, CHAT, MEMBER, startAlertStack, TOPIC } from './stack.js';

const installed = alertmanagerBinary() !== undefined;
missing('the Alertmanager binary', installed, 'bash .ci/install-alertmanager.sh (apt-get install prometheus-alertmanager)');
if (!installed) console.warn('skipping the silence tests: Alertmanager is missing (bash .ci/install-alertmanager.sh installs it)');

const SECRET_KEY = randomBytes(32);

let stack: AlertStack;
let h: TestHerald;
let am: RunningAlertmanager;
let hook: Receiver;
let lark: LarkOpenServer;
let base: string;

const amSilences = () => stack.amSilences();
const hours = (s: AmSilence) => (Date.parse(s.endsAt) - Date.parse(s.startsAt)) / 3_600_000;
const form = (fields: [string, string][]) => new URLSearchParams(fields).toString();
const postForm = (url: string, fields: [string, string][]) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });
const larkSay = (text: string) => stack.say(text);

beforeAll(async () => {
  if (!installed) return;
  stack = await startAlertStack(SECRET_KEY);
  ({ h, am, lark, base } = stack);
  hook = await startReceiver();
  expect((await h.api('POST', `/v1/topics/${TOPIC}/subscriptions`, { protocol: 'webhook', endpoint: `${hook.url}/alerts` })).status).toBe(201);
});

afterAll(async () => {
  if (!installed) return;
  await stack?.stop();
  await hook?.close();
});

describe.skipIf(!installed)('silence links and chat silences against a real Alertmanager', () => {
  let link: string;

  it('a firing alert from Alertmanager carries a signed Silence link to this Herald', async () => {
    await am.postAlerts([
      { labels: { alertname: 'HighCPU', instance: 'web-1', severity: 'critical', job: 'node' }, annotations: { summary: 'CPU at 97%' } },
    ]);
    const firing = await waitFor('the firing alert at the webhook', () => hook.hits.find((x) => x.json?.message?.includes('HighCPU')), 30_000);
    const m = /\[Silence\]\((http:\/\/127\.0\.0\.1:\d+\/silence\/[A-Za-z0-9_.-]+)\)/.exec(firing.json.message);
    expect(m, firing.json.message).not.toBeNull();
    link = m![1]!;
    expect(link.startsWith(`${base}/silence/`)).toBe(true);
  });

  it('GET shows the alert, its labels as tickable matchers, durations and who/why fields', async () => {
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('HighCPU');
    for (const l of ['alertname', 'instance', 'severity', 'job']) expect(page).toContain(`name="label" value="${l}" checked`);
    for (const d of ['1h', '4h', '24h', '7d', 'custom']) expect(page).toContain(`name="duration" value="${d}"`);
    expect(page).toContain('name="by"');
    expect(page).toContain('name="comment"');
  });

  it('POST creates the silence in Alertmanager with the chosen matchers, length, creator and comment, and tells the topic', async () => {
    const before = hook.hits.length;
    const res = await postForm(link, [
      ['labels', 'chosen'],
      ['label', 'alertname'],
      ['label', 'instance'],
      ['duration', '4h'],
      ['by', 'alice'],
      ['comment', 'deploying a fix'],
    ]);
    expect(res.status).toBe(201);
    expect(await res.text()).toContain('HighCPU silenced for 4h');
    const made = (await amSilences()).filter((s) => s.createdBy === 'alice');
    expect(made).toHaveLength(1);
    expect(made[0]!.status.state).toBe('active');
    expect(made[0]!.comment).toBe('deploying a fix');
    expect(hours(made[0]!)).toBeCloseTo(4, 2);
    expect(made[0]!.matchers.map((x) => `${x.name}=${x.value}`).sort()).toEqual(['alertname=HighCPU', 'instance=web-1']);
    const told = await waitFor('the announcement', () => hook.hits.slice(before).find((x) => x.json?.message?.includes('🔕')));
    expect(told.json.message).toContain('🔕 HighCPU silenced for 4h by alice');
    const audit = (await h.api('GET', '/v1/audit')).body.entries;
    expect(audit.find((e: any) => e.action === 'silence.create' && e.target === made[0]!.id)).toMatchObject({ actor: 'link:alice' });
    const listed = (await h.api('GET', '/v1/silences')).body;
    expect(listed.configured).toBe(true);
    expect(listed.silences.find((s: any) => s.id === made[0]!.id)).toMatchObject({ via: 'link', alertname: 'HighCPU', state: 'active', topics: [TOPIC] });
  });

  it.skipIf(chromiumMissing)('the console lists the silence, who made it and how, with its state in Alertmanager', async () => {
    ensureConsoleBuilt();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`${h.url}/console/`);
      await page.getByLabel('API token').fill(ADMIN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Silences' }).click();
      const row = page.getByRole('row', { name: /HighCPU/ });
      await row.waitFor();
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('alice');
      expect(text).toContain('Silence link');
      expect(text).toContain('active');
      expect(text).toContain('instance="web-1"');
    } finally {
      await browser.close();
    }
  });

  it('a missing name or an unknown duration answers the form again with the reason, and creates nothing', async () => {
    const count = (await amSilences()).length;
    const noName = await postForm(link, [['duration', '1h']]);
    expect(noName.status).toBe(400);
    expect(await noName.text()).toContain('Say who you are');
    const badDuration = await postForm(link, [['duration', 'custom'], ['custom', 'soon'], ['by', 'bob']]);
    expect(badDuration.status).toBe(400);
    const noLabels = await postForm(link, [['labels', 'chosen'], ['duration', '1h'], ['by', 'bob']]);
    expect(noLabels.status).toBe(400);
    expect((await amSilences()).length).toBe(count);
  });

  it('a tampered, forged or expired link is refused and changes nothing', async () => {
    const count = (await amSilences()).length;
    const token = link.slice(link.lastIndexOf('/') + 1);
    const [payload, mac] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const widened = Buffer.from(JSON.stringify({ ...claims, l: { alertname: 'HighCPU' }, t: 'other' })).toString('base64url');
    const tampered = `${base}/silence/${widened}.${mac}`;
    const foreign = new SilenceLinks(linkKeyFrom(randomBytes(32)), base).url({ topic: TOPIC, alertname: 'HighCPU', labels: { alertname: 'HighCPU' } });
    const expired = new SilenceLinks(linkKeyFrom(SECRET_KEY), base, () => Date.now() - 8 * 86_400_000).url({ topic: TOPIC, alertname: 'HighCPU', labels: { alertname: 'HighCPU' } });
    const fields: [string, string][] = [['duration', '1h'], ['by', 'mallory']];
    expect((await fetch(tampered)).status).toBe(403);
    expect((await postForm(tampered, fields)).status).toBe(403);
    expect((await postForm(foreign, fields)).status).toBe(403);
    expect((await postForm(expired, fields)).status).toBe(410);
    expect((await postForm(`${base}/silence/not-a-token`, fields)).status).toBe(404);
    expect((await amSilences()).length).toBe(count);
    const refused = (await h.api('GET', '/v1/audit')).body.entries.filter((e: any) => e.action === 'silence.link_refused');
    expect(refused.map((e: any) => e.target).sort()).toEqual(['expired', 'forged', 'forged', 'malformed']);
  });

  it('/silence HighCPU 2h from the Lark group creates a 2 h silence; /silences lists it; /unsilence lifts it', async () => {
    let reply = lark.nextMessage(CHAT);
    expect((await larkSay('@_user_1 /silence HighCPU 2h instance=web-1')).status).toBe(200);
    const said = (await reply).text;
    const made = (await amSilences()).find((s) => s.createdBy === MEMBER && s.status.state === 'active');
    expect(made, said).toBeDefined();
    expect(hours(made!)).toBeCloseTo(2, 2);
    expect(made!.matchers.map((x) => `${x.name}=${x.value}`).sort()).toEqual(['alertname=HighCPU', 'instance=web-1']);
    const id8 = made!.id.slice(0, 8);
    expect(said).toContain(`🔕 HighCPU silenced for 2h by ${MEMBER}`);
    expect(said).toContain(`/unsilence ${id8}`);

    reply = lark.nextMessage(CHAT);
    await larkSay('@_user_1 /silences');
    expect((await reply).text).toContain(`${id8} HighCPU`);

    reply = lark.nextMessage(CHAT);
    await larkSay(`@_user_1 /unsilence ${id8}`);
    expect((await reply).text).toBe(alertReplies.unsilenced.en({ alertname: 'HighCPU', id: id8, by: MEMBER }));
    const after = (await amSilences()).find((s) => s.id === made!.id);
    expect(after!.status.state).toBe('expired');
    const audit = (await h.api('GET', '/v1/audit')).body.entries;
    expect(audit.find((e: any) => e.action === 'silence.expire' && e.target === made!.id)).toMatchObject({ actor: `chat:lark:${MEMBER}` });
  });

  it('/ack HighCPU posts who acknowledged it, audited', async () => {
    const reply = lark.nextMessage(CHAT);
    await larkSay('@_user_1 /ack HighCPU');
    expect((await reply).text).toBe(alertReplies.acked.en({ alertname: 'HighCPU', by: MEMBER }));
    const audit = (await h.api('GET', '/v1/audit')).body.entries;
    expect(audit.find((e: any) => e.action === 'alert.ack' && e.target === 'HighCPU')).toMatchObject({ actor: `chat:lark:${MEMBER}` });
  });

  it('a bad duration in /silence answers the usage and creates nothing', async () => {
    const count = (await amSilences()).length;
    const reply = lark.nextMessage(CHAT);
    await larkSay('@_user_1 /silence HighCPU soon');
    expect((await reply).text).toBe(alertReplies.silenceUsage.en());
    expect((await amSilences()).length).toBe(count);
  });
});

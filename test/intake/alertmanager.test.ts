/**
 * A real Prometheus Alertmanager pointed at Herald: an alert posted to its API arrives, rendered,
 * in a DingTalk, a Lark and a WeCom group and at a webhook; once resolved, the resolved message
 * follows. Alertmanager authenticates with a scoped publish token (http_config.authorization).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import { startLarkFake } from '../fakes/lark-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startWecomFake } from '../fakes/wecom-server.js';
import { alertmanagerBinary, type PostableAlert, type RunningAlertmanager, startAlertmanager } from '../helpers/alertmanager.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { missing } from '../helpers/needs.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const TOPIC = 'prod-alerts';
const installed = alertmanagerBinary() !== undefined;
missing('the Alertmanager binary', installed, 'bash .ci/install-alertmanager.sh (apt-get install prometheus-alertmanager)');

const platforms: { protocol: 'dingtalk' | 'lark' | 'wecom'; start: () => Promise<FakePlatform>; secret?: string }[] = [
  { protocol: 'dingtalk', start: () => startDingtalkFake(), secret: 'SECexampledingtalksecret' },
  { protocol: 'lark', start: () => startLarkFake(), secret: 'examplelarksecret' },
  { protocol: 'wecom', start: () => startWecomFake() },
];

let h: TestHerald;
let am: RunningAlertmanager;
let hook: Receiver;
const fakes = new Map<string, { fake: FakePlatform; endpoint: string }>();

beforeAll(async () => {
  if (!installed) return;
  h = await startTestHerald();
  expect((await h.api('POST', '/v1/topics', { name: TOPIC })).status).toBe(201);
  for (const p of platforms) {
    const fake = await p.start();
    const robot = fake.addRobot({ secret: p.secret });
    const sub = await h.api('POST', `/v1/topics/${TOPIC}/subscriptions`, { protocol: p.protocol, endpoint: robot.endpoint, ...(p.secret ? { secret: p.secret } : {}) });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    fakes.set(p.protocol, { fake, endpoint: robot.endpoint });
  }
  hook = await startReceiver();
  expect((await h.api('POST', `/v1/topics/${TOPIC}/subscriptions`, { protocol: 'webhook', endpoint: `${hook.url}/alerts` })).status).toBe(201);
  const token = await h.api('POST', '/v1/tokens', { name: 'alertmanager', scopes: [`publish:${TOPIC}`] });
  expect(token.status).toBe(201);
  am = await startAlertmanager({ webhookUrl: `${h.url}/v1/topics/${TOPIC}/publish`, token: token.body.token });
});

afterAll(async () => {
  if (!installed) return;
  await am?.stop();
  await h?.stop();
  await hook?.close();
  for (const { fake } of fakes.values()) await fake.close();
});

const startsAt = new Date(Date.now() - 120_000).toISOString();
const alert = (over: Partial<PostableAlert> = {}): PostableAlert => ({
  labels: { alertname: 'DiskWillFillIn4Hours', instance: 'db-2:9100', severity: 'critical', job: 'node' },
  annotations: { summary: 'Disk /var/lib/postgresql fills up within 4 hours', description: 'Only 6% space left on /dev/sdb1.' },
  startsAt,
  generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=predict_linear%28node_filesystem_avail_bytes%5B6h%5D%2C4%2A3600%29+%3C+0',
  ...over,
});

/** Waits until every platform's group got `n` messages and returns the n-th of each. */
async function nth(n: number) {
  const out: Record<string, any> = {};
  for (const [protocol, { fake, endpoint }] of fakes) {
    out[protocol] = await waitFor(`${protocol} message #${n} (alertmanager says: ${am.output().slice(-500)})`, () => fake.received(endpoint)[n - 1], 30_000);
  }
  out.webhook = await waitFor(`webhook delivery #${n}`, () => hook.hits[n - 1], 30_000);
  return out;
}

describe.skipIf(!installed)('real Alertmanager → Herald → DingTalk, Lark, WeCom, webhook', () => {
  it('delivers the firing alert, then the resolved one, rendered for each platform', async () => {
    await am.postAlerts([alert()]);
    const firing = await nth(1);

    for (const p of ['dingtalk', 'lark', 'wecom'] as const) {
      const text: string = firing[p].text;
      expect(text, p).toContain('[FIRING:1] DiskWillFillIn4Hours');
      expect(text, p).toContain('FIRING');
      expect(text, p).toContain('Disk /var/lib/postgresql fills up within 4 hours');
      expect(text, p).toContain('Only 6% space left on /dev/sdb1.');
      expect(text, p).toContain('db-2:9100');
      expect(text, p).toContain('[Source](http://prometheus.example.com:9090/graph?');
      // Alertmanager's own silence form, pre-filled with the alert's labels
      expect(text, p).toMatch(/\[Silence\]\(http:\/\/127\.0\.0\.1:\d+\/#\/silences\/new\?filter=%7B/);
      expect(text, p).not.toContain('RESOLVED');
    }
    expect(firing.lark.body.card.header.template).toBe('carmine');
    expect(firing.lark.body.card.header.title.content).toBe('[FIRING:1] DiskWillFillIn4Hours');
    expect(firing.dingtalk.body.markdown.title).toContain('🚨');
    expect(firing.wecom.body.markdown.content).toContain('🚨');
    expect(firing.webhook.json).toMatchObject({ subject: '[FIRING:1] DiskWillFillIn4Hours', level: 'critical', attributes: { source: 'alertmanager', status: 'firing', alertname: 'DiskWillFillIn4Hours' } });

    await am.postAlerts([alert({ endsAt: new Date(Date.now() - 1_000).toISOString() })]);
    const resolved = await nth(2);

    for (const p of ['dingtalk', 'lark', 'wecom'] as const) {
      const text: string = resolved[p].text;
      expect(text, p).toContain('[RESOLVED] DiskWillFillIn4Hours');
      expect(text, p).toContain('1 resolved');
      expect(text, p).toContain('Disk /var/lib/postgresql fills up within 4 hours');
      expect(text, p).toMatch(/Ended: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      expect(text, p).not.toContain('[Silence]');
    }
    expect(resolved.lark.body.card.header.template).toBe('green');
    expect(resolved.webhook.json).toMatchObject({ subject: '[RESOLVED] DiskWillFillIn4Hours', level: 'success', attributes: { status: 'resolved' } });

    // Nothing else arrived: one firing and one resolved message per group.
    for (const [protocol, { fake, endpoint }] of fakes) {
      expect(fake.received(endpoint).length, protocol).toBe(2);
      expect(fake.rejections(endpoint), protocol).toEqual([]);
    }
  });
});

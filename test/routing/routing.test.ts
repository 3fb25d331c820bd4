/**
 * Routing end to end over HTTP: filter policies on JSON publishes and on a real Alertmanager's
 * grouped notification, PATCH and its validation, mute and unmute, and the dry-run match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/needs.js';
import { alertmanagerBinary, type RunningAlertmanager, startAlertmanager } from '../helpers/alertmanager.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const installed = alertmanagerBinary() !== undefined;
missing('the Alertmanager binary', installed, 'bash .ci/install-alertmanager.sh (apt-get install prometheus-alertmanager)');
if (!installed) console.warn('skipping the Alertmanager routing test: run .ci/install-alertmanager.sh to install it');

let h: TestHerald;
const receivers: Receiver[] = [];
beforeAll(async () => {
  h = await startTestHerald();
});
afterAll(async () => {
  await h.stop();
  for (const r of receivers) await r.close();
});

let seq = 0;
/** A topic with a critical-only, a team=db and an unfiltered webhook subscription. */
async function topicWithTeams(filters: Record<string, unknown> = { critical: { level: ['critical'] }, db: { team: ['db'] }, all: undefined }) {
  const topic = `route-${++seq}`;
  expect((await h.api('POST', '/v1/topics', { name: topic })).status).toBe(201);
  const subs: Record<string, { id: string; hook: Receiver }> = {};
  for (const [name, filter] of Object.entries(filters)) {
    const hook = await startReceiver();
    receivers.push(hook);
    const res = await h.api('POST', `/v1/topics/${topic}/subscriptions`, { protocol: 'webhook', endpoint: `${hook.url}/${name}`, ...(filter ? { filter } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    subs[name] = { id: res.body.id, hook };
  }
  return { topic, subs };
}

const publish = (topic: string, body: unknown) => h.api('POST', `/v1/topics/${topic}/publish`, body);
const settled = (id: string) =>
  waitFor(`message ${id} settled`, async () => {
    const m = await h.api('GET', `/v1/messages/${id}`);
    return m.body.deliveries.every((d: { status: string }) => d.status !== 'pending') && m.body;
  });

describe('filter policies on JSON publishes', () => {
  it('gives a critical-only and a team=db subscription exactly their messages', async () => {
    const { topic, subs } = await topicWithTeams();
    const sent = [
      { message: 'db is down', level: 'critical', attributes: { team: 'db' } }, // critical, db, all
      { message: 'web is down', level: 'critical', attributes: { team: 'web' } }, // critical, all
      { message: 'db is slow', level: 'warning', attributes: { team: 'db' } }, // db, all
      { message: 'nightly job ok', level: 'info' }, // all
      { message: 'db by tag', level: 'info', tags: { team: 'db' } }, // db (tags are attributes), all
    ];
    const counts: number[] = [];
    for (const body of sent) {
      const res = await publish(topic, body);
      expect(res.status).toBe(202);
      counts.push(res.body.deliveries);
      await settled(res.body.messageId);
    }
    expect(counts).toEqual([3, 2, 2, 1, 2]);
    const texts = (name: string) => subs[name]!.hook.hits.map((x) => x.json.message);
    expect(texts('critical')).toEqual(['db is down', 'web is down']);
    expect(texts('db')).toEqual(['db is down', 'db is slow', 'db by tag']);
    expect(texts('all')).toHaveLength(5);
    expect(subs.db!.hook.hits[0]!.json.attributes).toEqual({ team: 'db' });
  });

  it('refuses bad attributes with the field named', async () => {
    const { topic } = await topicWithTeams({ all: undefined });
    for (const [attributes, field] of [
      [{ 'team-name': 'x' }, 'attributes.team-name'],
      [{ level: 'critical' }, 'attributes.level'],
      [{ team: 'x'.repeat(257) }, 'attributes.team'],
      [{ team: { nested: 1 } }, 'attributes.team'],
    ] as const) {
      const res = await publish(topic, { message: 'x', attributes });
      expect(res.status, JSON.stringify(attributes)).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
  });
});

describe('PATCH /v1/subscriptions/{id}', () => {
  it('changes filter, quiet hours, mentions, keyword and remark; null clears; the answer shows them', async () => {
    const { subs } = await topicWithTeams({ s: undefined });
    const id = subs.s!.id;
    const patch = {
      filter: { team: ['db', 'db'], level: ['critical'] },
      quietHours: { from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai', except: { level: ['critical'] } },
      mentions: { users: ['alice'] },
      keyword: 'alert',
      remark: 'DBA group',
    };
    const res = await h.api('PATCH', `/v1/subscriptions/${id}`, patch);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ ...patch, filter: { level: ['critical'], team: ['db'] } });
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body).toMatchObject({ remark: 'DBA group', filter: { team: ['db'] } });

    const cleared = await h.api('PATCH', `/v1/subscriptions/${id}`, { filter: null, quietHours: null, remark: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.filter).toBeUndefined();
    expect(cleared.body.quietHours).toBeUndefined();
    expect(cleared.body.remark).toBeUndefined();
    expect(cleared.body.keyword).toBe('alert');
    const audit = await h.api('GET', '/v1/audit');
    expect(JSON.stringify(audit.body)).toContain('subscription.update');
  });

  it('refuses a bad value with 400 naming the field, and changes nothing', async () => {
    const { subs } = await topicWithTeams({ s: { level: ['critical'] } });
    const id = subs.s!.id;
    const before = (await h.api('GET', `/v1/subscriptions/${id}`)).body;
    const bad: [unknown, string][] = [
      [{ filter: { 'bad name': ['x'] } }, 'filter'],
      [{ filter: { team: [] } }, 'filter.team'],
      [{ filter: { team: Array.from({ length: 11 }, (_, i) => `t${i}`) } }, 'filter.team'],
      [{ filter: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`n${i}`, ['v']])) }, 'filter'],
      [{ filter: { team: 'db' } }, 'filter.team'],
      [{ remark: 'ok', quietHours: { from: '25:00', to: '08:00', timeZone: 'UTC' } }, 'quietHours.from'],
      [{ quietHours: { from: '22:00', to: '08:00', timeZone: 'Nowhere/City' } }, 'quietHours.timeZone'],
      [{ quietHours: { from: '22:00', to: '08:00', timeZone: 'UTC', except: { level: 'critical' } } }, 'quietHours.except.level'],
      [{ keyword: '' }, 'keyword'],
      [{ mentions: { mobiles: ['not a phone'] } }, 'mentions.mobiles'],
      [{ endpoint: 'http://127.0.0.1:1/other' }, 'endpoint'],
      [{ protocol: 'lark' }, 'protocol'],
      [{ secret: 'x' }, 'secret'],
      [{ colour: 'red' }, 'colour'],
      [{}, 'at least one'],
    ];
    for (const [body, field] of bad) {
      const res = await h.api('PATCH', `/v1/subscriptions/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message, JSON.stringify(body)).toContain(field);
    }
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body).toEqual(before);
    expect((await h.api('PATCH', '/v1/subscriptions/snope', { remark: 'x' })).status).toBe(404);
  });

  it('routes by the new filter at once', async () => {
    const { topic, subs } = await topicWithTeams({ s: { level: ['critical'] } });
    const first = await publish(topic, { message: 'one', level: 'info' });
    expect(first.body.deliveries).toBe(0);
    expect((await h.api('PATCH', `/v1/subscriptions/${subs.s!.id}`, { filter: { level: ['info'] } })).status).toBe(200);
    const second = await publish(topic, { message: 'two', level: 'info' });
    expect(second.body.deliveries).toBe(1);
    await settled(second.body.messageId);
    expect(subs.s!.hook.hits.map((x) => x.json.message)).toEqual(['two']);
  });
});

describe('mute', () => {
  it('records muted deliveries and sends nothing while muted; unmute sends again', async () => {
    const { topic, subs } = await topicWithTeams({ s: undefined, other: undefined });
    const id = subs.s!.id;
    const muted = await h.api('POST', `/v1/subscriptions/${id}/mute`, { for: '2h' });
    expect(muted.status, JSON.stringify(muted.body)).toBe(200);
    const until = Date.parse(muted.body.mutedUntil);
    expect(until).toBeGreaterThan(Date.now() + 7_100_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 7_200_000);

    const quiet = await publish(topic, { message: 'while muted' });
    expect(quiet.body.deliveries).toBe(2);
    const m = await settled(quiet.body.messageId);
    const mine = m.deliveries.find((d: { subscriptionId: string }) => d.subscriptionId === id);
    expect(mine.status).toBe('muted');
    expect(mine.attempts).toBe(0);
    await waitFor('the other subscription got it', () => subs.other!.hook.hits.length === 1);
    expect(subs.s!.hook.hits).toEqual([]);

    const unmuted = await h.api('DELETE', `/v1/subscriptions/${id}/mute`);
    expect(unmuted.status).toBe(200);
    expect(unmuted.body.mutedUntil).toBeUndefined();
    const loud = await publish(topic, { message: 'after unmute' });
    await settled(loud.body.messageId);
    expect(subs.s!.hook.hits.map((x) => x.json.message)).toEqual(['after unmute']);
  });

  it('ends by itself', async () => {
    const { topic, subs } = await topicWithTeams({ s: undefined });
    const id = subs.s!.id;
    const until = new Date(Date.now() + 1_500).toISOString();
    const res = await h.api('POST', `/v1/subscriptions/${id}/mute`, { until });
    expect(res.status).toBe(200);
    expect(res.body.mutedUntil).toBe(until);
    const first = await publish(topic, { message: 'muted' });
    expect((await settled(first.body.messageId)).deliveries[0].status).toBe('muted');
    await waitFor('the mute to end', () => Date.now() > Date.parse(until) + 10);
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.mutedUntil).toBeUndefined();
    const second = await publish(topic, { message: 'heard again' });
    expect((await settled(second.body.messageId)).deliveries[0].status).toBe('delivered');
    expect(subs.s!.hook.hits.map((x) => x.json.message)).toEqual(['heard again']);
  });

  it('refuses a bad mute and changes nothing', async () => {
    const { subs } = await topicWithTeams({ s: undefined });
    const id = subs.s!.id;
    for (const [body, field] of [
      [{}, 'either'],
      [{ for: '2h', until: new Date(Date.now() + 60_000).toISOString() }, 'either'],
      [{ for: 'soon' }, 'for'],
      [{ for: '400d' }, 'for'],
      [{ until: 'tomorrow' }, 'until'],
      [{ until: new Date(Date.now() - 60_000).toISOString() }, 'until'],
    ] as const) {
      const res = await h.api('POST', `/v1/subscriptions/${id}/mute`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.mutedUntil).toBeUndefined();
  });
});

describe('dry-run match', () => {
  it('names the subscriptions a message would reach, and sends nothing', async () => {
    const { topic, subs } = await topicWithTeams();
    await h.api('POST', `/v1/subscriptions/${subs.all!.id}/mute`, { for: '1h' });
    const res = await h.api('POST', `/v1/topics/${topic}/match`, { message: 'x', level: 'critical', attributes: { team: 'web' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.deliveries).toBe(2);
    expect(res.body.reached.map((r: { subscriptionId: string; status: string }) => [r.subscriptionId, r.status])).toEqual([
      [subs.critical!.id, 'pending'],
      [subs.all!.id, 'muted'],
    ]);
    expect(res.body.reached[0].endpoint).toBe((await h.api('GET', `/v1/subscriptions/${subs.critical!.id}`)).body.endpoint); // masked
    expect(res.body.notReached.map((r: { subscriptionId: string }) => r.subscriptionId)).toEqual([subs.db!.id]);
    expect((await h.api('GET', `/v1/topics/${topic}/messages`)).body.messages).toEqual([]);
    expect((await h.api('POST', `/v1/topics/${topic}/match`, { level: 'nope' })).status).toBe(400);
  });
});

describe.skipIf(!installed)('per-alert filtering of a real Alertmanager grouped notification', () => {
  let am: RunningAlertmanager;
  afterAll(() => am?.stop());

  it('gives each subscription only its alerts of the group, and nothing when none match', async () => {
    const { topic, subs } = await topicWithTeams({
      critical: { severity: ['critical'] },
      db: { team: ['db'] },
      all: undefined,
      none: { team: ['nobody'] },
    });
    const token = await h.api('POST', '/v1/tokens', { name: `am-${topic}`, scopes: [`publish:${topic}`] });
    am = await startAlertmanager({ webhookUrl: `${h.url}/v1/topics/${topic}/publish`, token: token.body.token, groupTiming: '2s' });
    // starting now: an alert already older than group_wait makes Alertmanager flush its group at once,
    // before the other three of the same post have joined it
    const startsAt = new Date().toISOString();
    const alert = (instance: string, severity: string, team: string) => ({
      labels: { alertname: 'DiskFull', instance, severity, team },
      annotations: { summary: `disk full on ${instance}` },
      startsAt,
    });
    // one evaluation: Alertmanager groups them by alertname into one notification
    await am.postAlerts([alert('db-1', 'critical', 'db'), alert('db-2', 'warning', 'db'), alert('web-1', 'critical', 'web'), alert('web-2', 'warning', 'web')]);

    const all = await waitFor(`the grouped notification (alertmanager: ${am.output().slice(-300)})`, () => subs.all!.hook.hits[0], 30_000);
    expect(all.json.subject).toBe('[FIRING:4] DiskFull');
    const crit = await waitFor('the critical alerts', () => subs.critical!.hook.hits[0]);
    const db = await waitFor('the db alerts', () => subs.db!.hook.hits[0]);
    const hosts = (hit: { json: { message: string } }) => ['db-1', 'db-2', 'web-1', 'web-2'].filter((x) => hit.json.message.includes(`disk full on ${x}`));
    expect(hosts(all)).toEqual(['db-1', 'db-2', 'web-1', 'web-2']);
    expect(crit.json.subject).toBe('[FIRING:2] DiskFull');
    expect(crit.json.level).toBe('critical');
    expect(hosts(crit)).toEqual(['db-1', 'web-1']);
    expect(db.json.subject).toBe('[FIRING:2] DiskFull');
    expect(hosts(db)).toEqual(['db-1', 'db-2']);
    // the record of the publish: three deliveries, none for the subscription nothing matched
    const m = (await h.api('GET', `/v1/topics/${topic}/messages`)).body.messages[0];
    expect(m.deliveries.map((d: { subscriptionId: string }) => d.subscriptionId).sort()).toEqual([subs.critical!.id, subs.db!.id, subs.all!.id].sort());
    await new Promise((r) => setTimeout(r, 500));
    for (const name of ['critical', 'db', 'all']) expect(subs[name]!.hook.hits, name).toHaveLength(1);
    expect(subs.none!.hook.hits).toEqual([]);
  });
});

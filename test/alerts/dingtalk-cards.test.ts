/**
 * The alert's life in a DingTalk app-robot group, driven by a real Alertmanager and the real
 * `dingtalk-stream` SDK against the local Stream gateway (test/fakes/dingtalk-stream-gateway.ts):
 * - by default a firing alert is a StandardCard (robot interactive-card API) with a Silence… link, and
 *   its RESOLVED updates that card by cardBizId instead of posting a new message;
 * - with a card-platform template (`platforms.dingtalk.cardTemplateId`) the card is created and
 *   delivered with callbackType STREAM, updated by outTrackId, and its Silence 1h and Ack buttons call
 *   back over Stream mode: a real 1 h silence, an ack in the group, a replayed callback changing nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCard, type StreamGateway, startStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { alertmanagerBinary, firingAlert, type RunningAlertmanager, startAlertmanager } from '../helpers/alertmanager.js';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { missing } from '../helpers/needs.js';
import { freePort } from '../helpers/spawn.js';
import type { AmSilence } from './stack.js';

const installed = alertmanagerBinary() !== undefined;
missing('the Alertmanager binary', installed, 'bash .ci/install-alertmanager.sh (apt-get install prometheus-alertmanager)');

const TOPIC = 'prod';
const CLIENT_ID = 'dingherald0cards0app';
const CLIENT_SECRET = 'app-secret-0123456789-cards-abcdef';
const GROUP = 'cidCard1b2C3d4+E5f6G7h8==';
const TEMPLATE = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.schema';
const STAFF = 'staff-7';

interface DingStack {
  h: TestHerald;
  am: RunningAlertmanager;
  gw: StreamGateway;
  amSilences(): Promise<AmSilence[]>;
  stop(): Promise<void>;
}

async function startDingStack(cardTemplateId?: string): Promise<DingStack> {
  const gw = await startStreamGateway({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, templates: [TEMPLATE] });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const am = await startAlertmanager({ webhookUrl: `${base}/v1/topics/${TOPIC}/publish`, token: ADMIN });
  const h = await startTestHerald({
    env: {
      HERALD_PORT: String(port),
      HERALD_PUBLIC_URL: base,
      HERALD_ALERTMANAGER_URL: am.url,
      HERALD_SECRET_KEY: randomBytes(32).toString('base64'),
      HERALD_DINGTALK_CLIENT_ID: CLIENT_ID,
      HERALD_DINGTALK_CLIENT_SECRET: CLIENT_SECRET,
    },
    config: { platforms: { dingtalk: { apiBase: gw.baseUrl, ...(cardTemplateId ? { cardTemplateId } : {}) } } },
  });
  await waitFor('the Stream client to connect', () => gw.connected() === 1);
  expect((await h.api('POST', '/v1/topics', { name: TOPIC })).status).toBe(201);
  const ack = await gw.push(gw.robotMessage({ conversationId: GROUP, text: `/subscribe ${TOPIC}`, staffId: STAFF }));
  expect(ack.code).toBe(200);
  await waitFor('the subscribe reply', () => gw.state.replies.some((r) => r.conversationId === GROUP));
  return {
    h,
    am,
    gw,
    amSilences: async () => (await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[],
    async stop() {
      await am.stop();
      await h.stop();
      await gw.close();
    },
  };
}

const alert = firingAlert;
const resolvedAlert = (name: string) => alert(name, { endsAt: new Date(Date.now() - 1_000).toISOString() });

const cardsIn = (gw: StreamGateway) => [...gw.cards.values()].filter((c) => c.openConversationId === GROUP);
const cardFor = (gw: StreamGateway, what: string, name: string) =>
  waitFor(what, () => cardsIn(gw).find((c) => JSON.stringify(c.data).includes(`[FIRING:1] ${name}`)), 30_000);
/** What the group reads in the group-message API's pushes (announcements, plain messages). */
const pushedText = (gw: StreamGateway) => gw.state.pushes.filter((p) => p.openConversationId === GROUP).map((p) => p.param.text ?? p.param.content ?? '');

async function deliveryOf(h: TestHerald, subject: string): Promise<any> {
  return waitFor(`the delivery of ${subject}`, async () => {
    const list = (await h.api('GET', `/v1/topics/${TOPIC}/messages?limit=10`)).body.messages as any[];
    const m = list.find((x) => x.subject === subject);
    if (!m) return undefined;
    const r = (await h.api('GET', `/v1/messages/${m.id}`)).body;
    return r.deliveries.find((d: any) => d.protocol === 'dingtalk' && d.status === 'delivered');
  });
}

describe.skipIf(!installed)('DingTalk app-robot group, StandardCard (the default)', () => {
  let s: DingStack;
  beforeAll(async () => {
    s = await startDingStack();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('a firing alert is a StandardCard with a Silence… link; its RESOLVED updates that card in place', async () => {
    await s.am.postAlerts([alert('DiskFull')]);
    const card = await cardFor(s.gw, 'the firing card', 'DiskFull');
    expect(card).toMatchObject({ kind: 'standard', templateId: 'StandardCard' });
    expect(card.data.header.title.text).toContain('[FIRING:1] DiskFull');
    const [markdown, actions] = card.data.contents;
    expect(markdown).toMatchObject({ type: 'markdown' });
    expect(markdown.text).toContain('DiskFull on db-1');
    const [link] = actions.actions;
    expect(link).toMatchObject({ type: 'button', actionType: 'openLink' });
    expect(link.url.all).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/silence\//);
    // the silence page the button opens answers
    expect((await fetch(link.url.all)).status).toBe(200);

    await s.am.postAlerts([resolvedAlert('DiskFull')]);
    await waitFor('the card update', () => card.edits.length === 1, 30_000);
    const after = card.edits[0]!.data;
    expect(after.header.title.text).toContain('[RESOLVED] DiskFull');
    expect(after.contents.map((c: any) => c.type)).toEqual(['markdown']);
    expect(cardsIn(s.gw)).toHaveLength(1);
    expect(pushedText(s.gw).some((t) => t.includes('DiskFull'))).toBe(false);
    expect((await deliveryOf(s.h, '[RESOLVED] DiskFull')).editedMessageId).toBe(`card:std:${card.id}`);
  });

  it('a card DingTalk will not update any more gets the new state as a new card', async () => {
    await s.am.postAlerts([alert('OldOne')]);
    const first = await cardFor(s.gw, 'the OldOne card', 'OldOne');
    s.gw.cards.delete(first.id); // DingTalk no longer knows the card: the update is refused
    await s.am.postAlerts([resolvedAlert('OldOne')]);
    const again = await waitFor('the RESOLVED card', () => cardsIn(s.gw).find((c) => c.data.header.title.text.includes('[RESOLVED] OldOne')), 30_000);
    expect(again.id).not.toBe(first.id);
    expect(again.edits).toEqual([]);
  });
});

describe.skipIf(!installed)('DingTalk app-robot group, a card-platform template with buttons over Stream mode', () => {
  let s: DingStack;
  let high: FakeCard;
  const silenceParams = (card: FakeCard) => ({ action: 'silence', token: card.data.silence_token, duration: '1h' });
  const responseOf = (ack: { data: string }) => JSON.parse(ack.data).response;

  beforeAll(async () => {
    s = await startDingStack(TEMPLATE);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('a firing alert is created and delivered as the template card; its RESOLVED updates it by outTrackId', async () => {
    await s.am.postAlerts([alert('DiskFull')]);
    const card = await cardFor(s.gw, 'the firing card', 'DiskFull');
    expect(card).toMatchObject({ kind: 'template', templateId: TEMPLATE, callbackType: 'STREAM' });
    expect(card.data).toMatchObject({ status: 'firing', show_actions: 'true', result: '' });
    expect(card.data.title).toContain('[FIRING:1] DiskFull');
    expect(card.data.markdown).toContain('DiskFull on db-1');
    expect(card.data.silence_token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(card.data.silence_url).toMatch(/\/silence\//);

    await s.am.postAlerts([resolvedAlert('DiskFull')]);
    await waitFor('the card update', () => card.edits.length === 1, 30_000);
    expect(card.edits[0]).toMatchObject({ by: 'api', data: { status: 'resolved', show_actions: 'false', silence_token: '' } });
    expect(card.data.title).toContain('[RESOLVED] DiskFull');
    expect(cardsIn(s.gw)).toHaveLength(1);
    expect((await deliveryOf(s.h, '[RESOLVED] DiskFull')).editedMessageId).toBe(`card:tpl:${card.id}`);
  });

  it('Silence 1h calls back over Stream: a real 1 h silence, the answer in the card, the group told who', async () => {
    await s.am.postAlerts([alert('HighLoad')]);
    high = await cardFor(s.gw, 'the HighLoad card', 'HighLoad');
    const ack = await s.gw.pressButton({ outTrackId: high.id, params: silenceParams(high), userId: STAFF, messageId: 'press-silence-1' });
    expect(ack.code).toBe(200);
    expect(responseOf(ack)).toMatchObject({ cardUpdateOptions: { updateCardDataByKey: true } });
    expect(high.data.result).toContain('HighLoad silenced for 1h');
    expect(high.data.title).toContain('[FIRING:1] HighLoad'); // the other variables are kept
    const made = (await s.amSilences()).find((x) => x.createdBy === STAFF && x.status.state === 'active');
    expect(made).toBeDefined();
    expect((Date.parse(made!.endsAt) - Date.parse(made!.startsAt)) / 3_600_000).toBeCloseTo(1, 2);
    expect(made!.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual(['alertname=HighLoad', 'instance=db-1', 'severity=critical']);
    await waitFor('the announcement', () => pushedText(s.gw).some((t) => t.includes(`🔕 HighLoad silenced for 1h by ${STAFF}`)));
  });

  it('the same callback again (a replay) is acknowledged and changes nothing', async () => {
    const count = (await s.amSilences()).length;
    const edits = high.edits.length;
    const ack = await s.gw.pressButton({ outTrackId: high.id, params: silenceParams(high), userId: STAFF, messageId: 'press-silence-1' });
    expect(ack.code).toBe(200);
    expect(responseOf(ack)).toBeNull();
    expect((await s.amSilences()).length).toBe(count);
    expect(high.edits.length).toBe(edits);
  });

  it('Ack posts "acknowledged by" to the group; a forged token changes nothing', async () => {
    const ack = await s.gw.pressButton({ outTrackId: high.id, params: { action: 'ack', token: high.data.silence_token }, userId: STAFF });
    expect(responseOf(ack).cardData.cardParamMap.result).toContain('HighLoad acknowledged');
    await waitFor('the ack in the group', () => pushedText(s.gw).some((t) => t.includes(`👀 HighLoad acknowledged by ${STAFF}`)));

    const count = (await s.amSilences()).length;
    const forged = await s.gw.pressButton({ outTrackId: high.id, params: { action: 'silence', token: 'eyJ0IjoicHJvZCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', duration: '7d' } });
    expect(responseOf(forged).cardData.cardParamMap.result).toBe('This button was not made by this Herald.');
    expect((await s.amSilences()).length).toBe(count);
  });
});

/**
 * The alert's life in the chat, driven by a real Alertmanager: a firing alert reaches a Lark app-bot
 * chat as a shared card with Silence and Ack buttons; its RESOLVED edits that card in place
 * (PATCH /open-apis/im/v1/messages/:message_id on the Lark stand-in) while a DingTalk custom robot,
 * which cannot edit, gets a RESOLVED message saying how long it fired. Pressing Silence 1h on the
 * card (a card.action.trigger callback) creates a real 1 h silence; a forged button changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import { cardActionEvent, type ImMessage, type LarkOpenServer, postLarkCallback } from '../fakes/lark-open-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { missing } from '../helpers/needs.js';
import { alertmanagerBinary, firingAlert, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { type TestHerald, waitFor } from '../helpers/herald.js';
import { type AlertStack, APP_ID, CHAT, ENCRYPT_KEY, MEMBER, startAlertStack, TOKEN, TOPIC } from './stack.js';

const installed = alertmanagerBinary() !== undefined;
missing('the Alertmanager binary', installed, 'bash .ci/install-alertmanager.sh (apt-get install prometheus-alertmanager)');
if (!installed) console.warn('skipping the card tests: Alertmanager is missing (bash .ci/install-alertmanager.sh installs it)');

const DING_SECRET = `SEC${'b2'.repeat(32)}`;

let stack: AlertStack;
let h: TestHerald;
let am: RunningAlertmanager;
let lark: LarkOpenServer;
let ding: FakePlatform;
let dingEndpoint: string;

const amSilences = () => stack.amSilences();
const press = (card: ImMessage, value: unknown, token = TOKEN) =>
  postLarkCallback(stack.callback, ENCRYPT_KEY, cardActionEvent({ token, appId: APP_ID, chatId: CHAT, operatorOpenId: MEMBER, messageId: card.messageId, value }));
const buttons = (card: ImMessage): any[] => card.content.elements.filter((e: any) => e.tag === 'action').flatMap((e: any) => e.actions);
const cardsInChat = () => lark.messages.filter((m) => m.chatId === CHAT && m.msgType === 'interactive');

const alert = firingAlert;

beforeAll(async () => {
  if (!installed) return;
  ding = await startDingtalkFake();
  stack = await startAlertStack();
  ({ h, am, lark } = stack);
  const robot = ding.addRobot({ secret: DING_SECRET });
  dingEndpoint = robot.endpoint;
  expect((await h.api('POST', `/v1/topics/${TOPIC}/subscriptions`, { protocol: 'dingtalk', endpoint: robot.endpoint, secret: DING_SECRET })).status).toBe(201);
});

afterAll(async () => {
  if (!installed) return;
  await stack?.stop();
  await ding?.close();
});

describe.skipIf(!installed)('alert cards in the chat, from a real Alertmanager', () => {
  let card: ImMessage;

  it('a firing alert reaches the app-bot chat as a shared card with Silence and Ack buttons', async () => {
    const next = lark.nextMessage(CHAT);
    await am.postAlerts([alert('DiskFull')]);
    card = await next;
    expect(card.msgType).toBe('interactive');
    expect(card.content.config.update_multi).toBe(true);
    expect(card.text).toContain('[FIRING:1] DiskFull');
    const [silence, ack, page] = buttons(card);
    expect(silence).toMatchObject({ tag: 'button', text: { content: '🔕 Silence 1h' }, value: { herald: 'silence', d: '1h' } });
    expect(ack).toMatchObject({ tag: 'button', text: { content: '👀 Ack' }, value: { herald: 'ack' } });
    expect(page.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/silence\//);
    await waitFor('the DingTalk firing message', () => ding.received(dingEndpoint).find((m) => m.text.includes('[FIRING:1] DiskFull')), 30_000);
  });

  it('its RESOLVED edits that card in place; the custom robot gets a new RESOLVED message with how long it fired', async () => {
    const cardsBefore = cardsInChat().length;
    const edited = lark.nextEdit(CHAT);
    await am.postAlerts([alert('DiskFull', { endsAt: new Date(Date.now() - 1_000).toISOString() })]);
    const after = await edited;
    expect(after.messageId).toBe(card.messageId);
    expect(after.text).toContain('[RESOLVED] DiskFull');
    expect(after.content.header.template).toBe('green');
    expect(after.content.config.update_multi).toBe(true);
    expect(buttons(after)).toEqual([]);
    const resolved = await waitFor('the DingTalk RESOLVED message', () => ding.received(dingEndpoint).find((m) => m.text.includes('[RESOLVED] DiskFull')), 30_000);
    expect(resolved.text).toMatch(/\(lasted [45]m( \d+s)?\)/);
    expect(cardsInChat().length).toBe(cardsBefore);
    expect(ding.rejections(dingEndpoint)).toEqual([]);
    // the delivery record says which card it edited
    const list = (await h.api('GET', `/v1/topics/${TOPIC}/messages?limit=5`)).body.messages;
    const resolvedMsg = list.find((m: any) => m.subject === '[RESOLVED] DiskFull');
    const record = await waitFor('the resolved record', async () => {
      const r = (await h.api('GET', `/v1/messages/${resolvedMsg.id}`)).body;
      return r.deliveries.find((d: any) => d.protocol === 'lark' && d.status === 'delivered') && r;
    });
    expect(record.deliveries.find((d: any) => d.protocol === 'lark').editedMessageId).toBe(card.messageId);
  });

  it('pressing Silence 1h on a card creates a real 1 h silence and tells the group who did it', async () => {
    const next = lark.nextMessage(CHAT);
    await am.postAlerts([alert('HighLoad')]);
    const firing = await next;
    const [silence] = buttons(firing);
    const told = lark.nextMessage(CHAT);
    const answer = await press(firing, silence.value);
    expect(answer.status).toBe(200);
    expect(answer.body.toast).toMatchObject({ type: 'success' });
    expect(answer.body.toast.content).toContain('HighLoad silenced for 1h');
    const made = (await amSilences()).find((s) => s.createdBy === MEMBER && s.status.state === 'active');
    expect(made).toBeDefined();
    expect((Date.parse(made!.endsAt) - Date.parse(made!.startsAt)) / 3_600_000).toBeCloseTo(1, 2);
    expect(made!.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual(['alertname=HighLoad', 'instance=db-1', 'severity=critical']);
    expect((await told).text).toContain(`🔕 HighLoad silenced for 1h by ${MEMBER}`);
  });

  it('a forged button or a callback with the wrong verification token changes nothing', async () => {
    const count = (await amSilences()).length;
    const forged = await press(card, { herald: 'silence', t: 'eyJ0IjoicHJvZCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', d: '7d' });
    expect(forged.status).toBe(200);
    expect(forged.body.toast.type).toBe('error');
    const [silence] = buttons(card);
    const wrongToken = await press(card, silence.value, 'not-the-token');
    expect(wrongToken.status).toBe(401);
    expect((await amSilences()).length).toBe(count);
  });

  it('a card Lark will no longer edit (sent over 14 days ago) gets the new state as a new message', async () => {
    const next = lark.nextMessage(CHAT);
    await am.postAlerts([alert('OldOne')]);
    const first = await next;
    lark.age(first.messageId, 15 * 86_400_000);
    const again = lark.nextMessage(CHAT);
    await am.postAlerts([alert('OldOne', { endsAt: new Date(Date.now() - 1_000).toISOString() })]);
    const resolved = await again;
    expect(resolved.messageId).not.toBe(first.messageId);
    expect(resolved.text).toContain('[RESOLVED] OldOne');
  });
});

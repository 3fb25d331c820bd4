/**
 * The DingTalk adapter's alert cards against the local DingTalk (test/fakes/dingtalk-stream-gateway.ts,
 * written from the card API docs): which messages become cards, what each card kind carries, how
 * DingTalk's refusals are classified, and what a card callback means.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAnswer, toAction } from '../../adapters/dingtalk/card-callback.js';
import { type CardPart, CARD_MAX_BYTES, standardCardData, templateParams } from '../../adapters/dingtalk/cards.js';
import { dingtalkAdapter } from '../../adapters/dingtalk/index.js';
import type { Adapter, MessageAction, OutboundMessage, Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { createLogger } from '../../src/log.js';
import { type StreamGateway, startStreamGateway } from '../fakes/dingtalk-stream-gateway.js';

const CLIENT_ID = 'dingherald0unit0cards';
const CLIENT_SECRET = 'app-secret-0123456789-unit-cards';
const GROUP = 'cidUnit1b2C3d4+E5f6G7h8==';
const TEMPLATE = 'aaaabbbb-cccc-dddd-eeee-ffff00001111.schema';

const http = createHttpClient({ timeoutMs: 5_000 });
const log = createLogger({ level: 'error', format: 'json' });
const ctx = { http, now: Date.now, log };
let gw: StreamGateway;

const make = (cardTemplateId?: string): Adapter =>
  dingtalkAdapter.create({
    config: { rateLimits: [], clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, apiBase: gw.baseUrl, ...(cardTemplateId ? { cardTemplateId } : {}) },
    log,
    http,
    now: Date.now,
  });
const target = (group = GROUP): Target => ({ subscriptionId: 's', endpoint: `dingtalk-app:${CLIENT_ID}/${group}` });
const actions: MessageAction[] = [
  { kind: 'silence', label: '🔕 Silence 1h', url: 'https://herald.example/silence/tok.sig', value: { herald: 'silence', t: 'tok.sig', d: '1h' } },
  { kind: 'ack', label: '👀 Ack', value: { herald: 'ack', t: 'tok.sig' } },
];
const alertMsg = (o: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  deliveryId: `d${Math.random().toString(36).slice(2)}`,
  topic: 'prod',
  subject: '[FIRING:1] DiskFull',
  text: '**DiskFull** on db-1',
  format: 'markdown',
  level: 'critical',
  mentions: {},
  attributes: { source: 'alertmanager', status: 'firing' },
  createdAt: new Date().toISOString(),
  actions,
  ...o,
});

beforeAll(async () => {
  gw = await startStreamGateway({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, templates: [TEMPLATE] });
  gw.addGroup(GROUP);
});
afterAll(async () => {
  await gw?.close();
  await http.close();
});

describe('which app-robot messages are cards', () => {
  it('an alert group is one card; a plain markdown message and a text stay group messages', () => {
    const a = make();
    expect(a.render(alertMsg(), target())).toEqual([expect.objectContaining({ kind: 'card', title: '🚨 [CRITICAL] [FIRING:1] DiskFull' })]);
    expect(a.render(alertMsg({ attributes: {} }), target())).toEqual([expect.objectContaining({ msgKey: 'sampleMarkdown' })]);
    expect(a.render(alertMsg({ format: 'text', subject: undefined }), target())).toEqual([expect.objectContaining({ msgKey: 'sampleText' })]);
    // a custom robot never gets a card
    expect(a.render(alertMsg(), { subscriptionId: 's', endpoint: 'https://oapi.dingtalk.com/robot/send?access_token=abc' })).toEqual([
      expect.objectContaining({ msgtype: 'markdown' }),
    ]);
  });

  it('an alert too large for one card goes out as group messages', () => {
    const parts = make().render(alertMsg({ text: 'x'.repeat(CARD_MAX_BYTES + 10) }), target());
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p: any) => p.msgKey === 'sampleMarkdown')).toBe(true);
  });

  it('only app-robot groups with credentials have cards to edit', () => {
    expect(make().editWindowMs!(target())).toBeGreaterThan(0);
    expect(make().editWindowMs!({ subscriptionId: 's', endpoint: 'https://oapi.dingtalk.com/robot/send?access_token=abc' })).toBe(0);
    const bare = dingtalkAdapter.create({ config: { rateLimits: [], apiBase: gw.baseUrl }, log, http, now: Date.now });
    expect(bare.editWindowMs!(target())).toBe(0);
  });
});

describe('what a card carries', () => {
  const part = (a: MessageAction[]): CardPart => ({ kind: 'card', bizId: 'b', title: 'T', markdown: 'M', status: 'firing', actions: a, mentions: {} });

  it('a StandardCard shows the Silence… page as a link button, and no button block without one', () => {
    const [, block] = standardCardData(part(actions)).contents as any[];
    expect(block.actions).toEqual([expect.objectContaining({ actionType: 'openLink', url: { all: actions[0]!.url } })]);
    expect(standardCardData(part([])).contents).toHaveLength(1);
  });

  it('a template card gets the token its buttons send back, and hides them once resolved', () => {
    expect(templateParams(part(actions))).toMatchObject({ show_actions: 'true', silence_token: 'tok.sig', silence_url: actions[0]!.url, result: '' });
    expect(templateParams(part([]))).toMatchObject({ show_actions: 'false', silence_token: '', silence_url: '' });
  });
});

describe('sending and editing cards against DingTalk', () => {
  it('a StandardCard is sent by cardBizId and updated by it; the same delivery again is the same card', async () => {
    const a = make();
    const msg = alertMsg();
    const [card] = a.render(msg, target());
    const sent = await a.send(target(), card, ctx);
    expect(sent).toMatchObject({ ok: true, platformMessageId: expect.stringMatching(/^card:std:herald_d/) });
    expect(await a.send(target(), card, ctx)).toMatchObject({ ok: true });
    const id = (sent as { platformMessageId: string }).platformMessageId.slice('card:std:'.length);
    expect([...gw.cards.values()].filter((c) => c.id === id)).toHaveLength(1);
    const [resolved] = a.render(alertMsg({ subject: '[RESOLVED] DiskFull', attributes: { source: 'alertmanager', status: 'resolved' }, actions: [] }), target());
    expect(await a.edit!(target(), (sent as { platformMessageId: string }).platformMessageId, resolved, ctx)).toMatchObject({ ok: true });
    expect(gw.cards.get(id)!.data.header.title.text).toContain('[RESOLVED] DiskFull');
  });

  it('a group the robot is not in is refused permanently (StandardCard) or not delivered (template)', async () => {
    const std = make();
    const [c1] = std.render(alertMsg(), target('cidNotHere=='));
    expect(await std.send(target('cidNotHere=='), c1, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 'invalid.openConversationId' });
    const tpl = make(TEMPLATE);
    const [c2] = tpl.render(alertMsg(), target('cidNotHere=='));
    expect(await tpl.send(target('cidNotHere=='), c2, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 'deliverFailed' });
  });

  it('an unknown template is refused with its code; a revoked token is retried with a fresh one', async () => {
    const wrong = make('0000-not-a-template.schema');
    const [c] = wrong.render(alertMsg(), target());
    expect(await wrong.send(target(), c, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 'param.cardTemplateIdNotExist' });
    const tpl = make(TEMPLATE);
    const [card] = tpl.render(alertMsg(), target());
    expect(await tpl.send(target(), card, ctx)).toMatchObject({ ok: true });
    gw.revokeTokens();
    const issued = gw.state.tokensIssued;
    const [again] = tpl.render(alertMsg(), target());
    expect(await tpl.send(target(), again, ctx)).toMatchObject({ ok: false, kind: 'transient', code: 'InvalidAuthentication' });
    expect(await tpl.send(target(), again, ctx)).toMatchObject({ ok: true, platformMessageId: expect.stringMatching(/^card:tpl:/) });
    expect(gw.state.tokensIssued).toBe(issued + 1);
  });

  it('an app without the card permission is told which permissions to grant', async () => {
    gw.state.cardsDenied = true;
    try {
      for (const a of [make(), make(TEMPLATE)]) {
        const [card] = a.render(alertMsg(), target());
        const out = await a.send(target(), card, ctx);
        expect(out).toMatchObject({ ok: false, kind: 'permanent', code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied' });
        expect((out as { message: string }).message).toContain('Card.Instance.Write');
      }
    } finally {
      gw.state.cardsDenied = false;
    }
  });

  it('refuses to edit what is not a card, or a card DingTalk does not know, so a new message goes out', async () => {
    const a = make();
    const [card] = a.render(alertMsg(), target());
    const [text] = a.render(alertMsg({ format: 'text' }), target());
    expect(await a.edit!(target(), 'processQueryKey123', card, ctx)).toMatchObject({ ok: false, kind: 'permanent' });
    expect(await a.edit!(target(), 'card:std:herald_unknown', text, ctx)).toMatchObject({ ok: false, kind: 'permanent' });
    expect(await a.edit!(target(), 'card:std:herald_unknown', card, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 'invalidParameter.cardBizId' });
    expect(await a.edit!(target(), 'card:tpl:herald_unknown', card, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 'param.cardNotExist' });
  });
});

describe('card callbacks', () => {
  const data = (params: Record<string, unknown>, o: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: 'actionCallback',
      outTrackId: 'herald_d1',
      userId: 'staff-1',
      corpId: 'ding-corp',
      spaceType: 'IM_GROUP',
      spaceId: GROUP,
      content: JSON.stringify({ cardPrivateData: { actionIds: ['b'], params } }),
      ...o,
    });

  it("reads Herald's buttons as the action value, the group from spaceId", () => {
    expect(toAction(data({ action: 'silence', token: 'tok.sig', duration: '1h' }), 'e1')).toEqual({
      protocol: 'dingtalk',
      eventId: 'e1',
      chatId: GROUP,
      userId: 'staff-1',
      value: { herald: 'silence', t: 'tok.sig', d: '1h' },
    });
    expect(toAction(data({ action: 'ack', token: 'tok.sig', duration: '1h' }), 'e2')?.value).toEqual({ herald: 'ack', t: 'tok.sig' });
  });

  it('ignores other buttons, one-to-one chats and malformed callbacks', () => {
    expect(toAction(data({ action: 'approve', token: 't' }), 'e')).toBeUndefined();
    expect(toAction(data({ action: 'silence' }), 'e')).toBeUndefined();
    expect(toAction(data({ action: 'silence', token: 't' }, { spaceType: 'IM_ROBOT' }), 'e')).toBeUndefined();
    expect(toAction(data({ action: 'silence', token: 't' }, { content: 'not json' }), 'e')).toBeUndefined();
    expect(toAction('not json', 'e')).toBeUndefined();
  });

  it('answers by writing the result into the card, the other variables kept', () => {
    expect(cardAnswer('done')).toEqual({ cardData: { cardParamMap: { result: 'done' } }, cardUpdateOptions: { updateCardDataByKey: true } });
  });
});

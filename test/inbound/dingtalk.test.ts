/**
 * DingTalk chat commands end to end: a real Herald runs the real `dingtalk-stream` SDK against a
 * local Stream gateway (test/fakes/dingtalk-stream-gateway.ts), which pushes robot callbacks,
 * checks ACKs, records sessionWebhook replies and the group-message API pushes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyGroupSend } from '../../adapters/dingtalk/app-robot.js';
import { dingtalkAdapter } from '../../adapters/dingtalk/index.js';
import type { OutboundMessage, Target } from '../../adapters/types.js';
import { replies } from '../../src/commands/replies.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { createLogger } from '../../src/log.js';
import { type StreamGateway, startStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';

const CLIENT_ID = 'dingherald0test0app';
const CLIENT_SECRET = 'app-secret-0123456789-abcdefghij';
const GROUP_A = 'cidA1b2C3d4+E5f6G7h8==';
const GROUP_B = 'cidZz9Yy8Xx7/Ww6Vv5==';

let gw: StreamGateway;
let t: TestHerald;

const subsOf = async (topic: string) => (await t.api('GET', `/v1/topics/${topic}/subscriptions`)).body.subscriptions as any[];
const repliesTo = (group: string) => gw.state.replies.filter((r) => r.conversationId === group).map((r) => r.body.text.content as string);
const pushesTo = (group: string) => gw.state.pushes.filter((p) => p.openConversationId === group);

/** Sends a command from a group; resolves with the reply the bot posted through the sessionWebhook. */
async function say(group: string, text: string, o: { msgId?: string; staffId?: string } = {}): Promise<string> {
  const before = repliesTo(group).length;
  const ack = await gw.push(gw.robotMessage({ conversationId: group, text, ...o }));
  expect(ack).toMatchObject({ code: 200, data: JSON.stringify({ response: null }) });
  return waitFor(`a reply to "${text}"`, () => repliesTo(group)[before]);
}

beforeAll(async () => {
  gw = await startStreamGateway({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  t = await startTestHerald({
    env: { HERALD_DINGTALK_CLIENT_ID: CLIENT_ID, HERALD_DINGTALK_CLIENT_SECRET: CLIENT_SECRET },
    config: { platforms: { dingtalk: { apiBase: gw.baseUrl } } },
  });
  await waitFor('the Stream client to connect', () => gw.connected() === 1);
  for (const name of ['alerts', 'deploys']) expect((await t.api('POST', '/v1/topics', { name })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await gw?.close();
});

describe('DingTalk chat commands over Stream mode', () => {
  it('connects with a single-use ticket and answers the gateway ping', async () => {
    expect(gw.state.opens).toBe(1);
    await waitFor('the ping echo', () => gw.state.pingEchoes === 1);
  });

  it('a group subscribes itself, receives the next message by the group-message API, lists, unsubscribes', async () => {
    expect(await say(GROUP_A, '/subscribe alerts')).toBe(replies.subscribed.en({ topic: 'alerts' }));
    expect(gw.state.replies.at(-1)!.body.at).toEqual({ atUserIds: ['staff-1'] });
    expect(await say(GROUP_B, '订阅 alerts')).toBe(replies.subscribed.zh({ topic: 'alerts' }));
    const subs = await subsOf('alerts');
    expect(subs.map((s) => s.chat)).toEqual(
      expect.arrayContaining([
        { protocol: 'dingtalk', chatId: GROUP_A, chatName: 'On-call' },
        { protocol: 'dingtalk', chatId: GROUP_B, chatName: 'On-call' },
      ]),
    );
    expect(subs.every((s) => s.protocol === 'dingtalk' && s.source === 'chat')).toBe(true);

    const pub = await t.api('POST', '/v1/topics/alerts/publish', { subject: 'Disk full', message: 'db-1 at 97%' });
    expect(pub.status).toBe(202);
    const [push] = await waitFor('the push to group A', () => pushesTo(GROUP_A).length === 1 && pushesTo(GROUP_A));
    expect(push).toMatchObject({ robotCode: CLIENT_ID, msgKey: 'sampleMarkdown' });
    expect(push!.param.title).toContain('Disk full');
    expect(push!.param.text).toContain('db-1 at 97%');

    expect(await say(GROUP_A, '/list')).toBe(replies.list.en({ topics: ['alerts'] }));
    expect(await say(GROUP_A, '/unsubscribe alerts')).toBe(replies.unsubscribed.en({ topic: 'alerts' }));
    expect((await subsOf('alerts')).map((s) => s.chat.chatId)).toEqual([GROUP_B]);
    expect(await say(GROUP_A, '/list')).toBe(replies.listEmpty.en());

    // Group B still receives: once its copy of the next message is in, group A's would have been too.
    expect((await t.api('POST', '/v1/topics/alerts/publish', 'second')).status).toBe(202);
    await waitFor('the second push to group B', () => pushesTo(GROUP_B).length === 2);
    expect(pushesTo(GROUP_A)).toHaveLength(1);
    expect(pushesTo(GROUP_B)[1]).toMatchObject({ msgKey: 'sampleText' });
    expect(pushesTo(GROUP_B)[1]!.param.content).toContain('second');
  });

  it('a redelivered msgId changes nothing', async () => {
    const msg = gw.robotMessage({ conversationId: GROUP_A, text: '/subscribe deploys' });
    const before = repliesTo(GROUP_A).length;
    expect((await gw.push(msg)).code).toBe(200);
    await waitFor('the first reply', () => repliesTo(GROUP_A).length === before + 1);
    expect((await gw.push(msg)).code).toBe(200);
    expect((await gw.push({ ...msg, sessionWebhook: gw.robotMessage({ conversationId: GROUP_A, text: '' }).sessionWebhook })).code).toBe(200);
    // A later command is answered; the two redeliveries before it were not.
    expect(await say(GROUP_A, '/list')).toBe(replies.list.en({ topics: ['deploys'] }));
    expect(repliesTo(GROUP_A)).toHaveLength(before + 2);
    expect(await subsOf('deploys')).toHaveLength(1);
  });

  it('survives a failing reply and forged or malformed frames, and ignores other topics', async () => {
    gw.state.cutReplies = 1;
    const before = repliesTo(GROUP_A).length;
    expect((await gw.push(gw.robotMessage({ conversationId: GROUP_A, text: '/help' }))).code).toBe(200);
    gw.pushRaw('this is not a frame {');
    gw.pushRaw(JSON.stringify({ type: 'CALLBACK', headers: { topic: 'error', messageId: 'forged-1' }, data: '{}' }));
    expect((await gw.push('not json')).code).toBe(200);
    expect((await gw.push({ msgId: 'x', text: 'no conversation' })).code).toBe(200);
    const otherTopic = gw.robotMessage({ conversationId: 'cidForged==', text: '/subscribe alerts' });
    gw.push(otherTopic, '/v1.0/card/instances/callback');

    expect(await say(GROUP_A, '/list')).toBe(replies.list.en({ topics: ['deploys'] }));
    expect(repliesTo(GROUP_A)).toHaveLength(before + 1); // the cut reply was lost, nothing crashed
    expect((await subsOf('alerts')).map((s) => s.chat.chatId)).toEqual([GROUP_B]);
    expect(gw.state.strayFrames).toEqual([]);
  });

  it('reconnects after the gateway drops the connection (new ticket)', async () => {
    const opens = gw.state.opens;
    gw.dropConnections();
    await waitFor('a new connection', () => gw.state.opens > opens && gw.connected() === 1);
    expect(await say(GROUP_A, '/list')).toBe(replies.list.en({ topics: ['deploys'] }));
  });
});

describe('DingTalk app-robot sender against the local API', () => {
  const http = createHttpClient({ timeoutMs: 5_000 });
  const log = createLogger({ level: 'error', format: 'json' });
  const ctx = { http, now: Date.now, log };
  const make = (secret = CLIENT_SECRET) =>
    dingtalkAdapter.create({ config: { rateLimits: [], clientId: CLIENT_ID, clientSecret: secret, apiBase: gw.baseUrl }, log, http, now: Date.now });
  const target = (group: string): Target => ({ subscriptionId: 's', endpoint: `dingtalk-app:${CLIENT_ID}/${group}` });
  const message = (text: string): OutboundMessage => ({
    messageId: 'm',
    deliveryId: 'd',
    topic: 'alerts',
    subject: 'Report',
    text,
    format: 'markdown',
    level: 'info',
    mentions: {},
    attributes: {},
    createdAt: new Date().toISOString(),
  });
  afterAll(() => http.close());

  it('caches the access token, fetches a new one after a refusal, classifies throttling and unknown groups', async () => {
    const adapter = make();
    const group = 'cidDirect0001==';
    gw.addGroup(group);
    const [payload] = adapter.render(message('hello'), target(group));
    const issued = gw.state.tokensIssued;
    expect(await adapter.send(target(group), payload, ctx)).toMatchObject({ ok: true });
    expect(await adapter.send(target(group), payload, ctx)).toMatchObject({ ok: true });
    expect(gw.state.tokensIssued).toBe(issued + 1);

    gw.revokeTokens();
    expect(await adapter.send(target(group), payload, ctx)).toMatchObject({ ok: false, kind: 'transient', code: 'InvalidAuthentication' });
    expect(await adapter.send(target(group), payload, ctx)).toMatchObject({ ok: true });
    expect(gw.state.tokensIssued).toBe(issued + 2);

    gw.state.throttle = 1;
    expect(await adapter.send(target(group), payload, ctx)).toMatchObject({ ok: false, kind: 'rate-limited', retryAfterMs: 60_000 });
    const unknown = await adapter.send(target('cidNeverAdded=='), payload, ctx);
    expect(unknown).toMatchObject({ ok: false, kind: 'permanent', code: 'invalid.openConversationId' });
    expect(pushesTo(group)).toHaveLength(3);
  });

  it('has no inbound channel without the app credentials', () => {
    const hub = { run: async () => 'never', firstSeen: async () => true };
    const bare = dingtalkAdapter.create({ config: { rateLimits: [], apiBase: gw.baseUrl }, log, http, now: Date.now });
    expect(bare.inbound?.(hub)).toBeUndefined();
    expect(make().inbound?.(hub)).toBeDefined();
  });

  it('refuses wrong app credentials permanently without showing the secret', async () => {
    const wrong = 'wrong-secret-0123456789-zyxwvu';
    const adapter = make(wrong);
    const [payload] = adapter.render(message('hello'), target(GROUP_B));
    const outcome = await adapter.send(target(GROUP_B), payload, ctx);
    expect(outcome).toMatchObject({ ok: false, kind: 'permanent' });
    expect(JSON.stringify(outcome)).not.toContain(wrong);
    expect(JSON.stringify(outcome)).toContain('HERALD_DINGTALK_CLIENT_SECRET');
  });

  it('splits a long message so each msgParam fits 15,000 bytes, and every part is accepted', async () => {
    const adapter = make();
    const group = 'cidLong0001==';
    gw.addGroup(group);
    const text = Array.from({ length: 900 }, (_, i) => `line ${i}: "quoted" 数据库 — ${'x'.repeat(20)}`).join('\n');
    const parts = adapter.render(message(text), target(group)) as { msgParam: string }[];
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p.msgParam, 'utf8')).toBeLessThanOrEqual(15_000);
    for (const p of parts) expect(await adapter.send(target(group), p, ctx)).toMatchObject({ ok: true });
    expect(pushesTo(group).map((p) => p.param.text).join('')).toContain('line 899');
  });
});

describe('group-message API answers the fake does not produce', () => {
  const answer = (status: number, body: unknown) => ({ status, headers: new Headers(), body: JSON.stringify(body) });
  it.each([
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 'permanent', 'qyapi_robot_sendmsg'],
    [400, 'invalidParameter.robotCode.notExsit', 'permanent', 'not in this group'],
    [400, 'bot.stopped', 'permanent', 'disabled'],
    [500, 'systemError', 'transient', 'systemError'],
    [429, 'Throttling', 'rate-limited', 'rate-limiting'],
  ])('HTTP %i %s is %s', (status, code, kind, says) => {
    const outcome = classifyGroupSend(answer(status, { code, message: '…', requestid: 'r' }));
    expect(outcome).toMatchObject({ ok: false, kind, code });
    expect(outcome.ok === false && outcome.message).toContain(says);
  });
});

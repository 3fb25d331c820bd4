/**
 * WeCom chat commands end to end: a real Herald, callbacks encrypted and signed as the AI bot
 * platform does (test/helpers/wecom-callback.ts, built on @wecom/crypto, not on the channel), a local
 * response_url, and the WeCom fake as the group robot whose key the group gives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakePlatform } from '../fakes/types.js';
import { startWecomFake } from '../fakes/wecom-server.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import {
  type AibotMessage,
  cipherCallback,
  groupText,
  messageCallback,
  post,
  type ResponseUrlServer,
  replyText,
  startResponseUrlServer,
  verifyUrl,
  WECOM_AES_KEY,
  WECOM_TOKEN,
} from '../helpers/wecom-callback.js';

let h: TestHerald;
let fake: FakePlatform;
let rx: ResponseUrlServer;
let cb: string;

beforeAll(async () => {
  fake = await startWecomFake();
  rx = await startResponseUrlServer();
  h = await startTestHerald({
    env: { HERALD_WECOM_TOKEN: WECOM_TOKEN, HERALD_WECOM_ENCODING_AES_KEY: WECOM_AES_KEY },
    config: { platforms: { wecom: { webhookBase: fake.baseUrl } } },
  });
  cb = `${h.url}/v1/callbacks/wecom`;
  for (const name of ['alerts', 'deploys']) expect((await h.api('POST', '/v1/topics', { name })).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
  await rx?.close();
  await fake?.close();
});

const keyOf = (endpoint: string) => new URL(endpoint).searchParams.get('key')!;
const subs = async (topic: string) => (await h.api('GET', `/v1/topics/${topic}/subscriptions`)).body.subscriptions as any[];
const publish = (topic: string, text: string) => h.api('POST', `/v1/topics/${topic}/publish`, { message: text, subject: 'Disk' });

/** Sends a group message to the bot, expects the empty 200, and returns the reply posted to response_url. */
async function say(content: string, opts: { chatid?: string; userid?: string } = {}): Promise<string> {
  const before = rx.replies.length;
  const res = await post(messageCallback(cb, groupText(content, { ...opts, responseUrl: rx.next() })));
  expect(res).toEqual({ status: 200, body: '' });
  const reply = await waitFor('the reply on response_url', () => rx.replies[before]);
  expect(reply.json.msgtype).toBe('markdown');
  return replyText(reply.json);
}

/** A refused callback: 401 callback_refused, no detail. */
async function expectRefused(res: { status: number; body: string }) {
  expect(res.status).toBe(401);
  expect(JSON.parse(res.body)).toEqual({ error: { code: 'callback_refused', message: 'The callback was refused.' } });
}

describe('URL verification (GET)', () => {
  it('answers the decrypted echostr as plain text, even when the echostr holds + / =', async () => {
    let url = verifyUrl(cb, 'echo-123');
    for (let i = 0; i < 50 && !/%2B|%2F/.test(url); i++) url = verifyUrl(cb, 'echo-123');
    expect(url).toMatch(/%2B|%2F/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('echo-123');
  });

  it('refuses a wrong signature, a stale timestamp and a foreign receive id', async () => {
    for (const url of [
      verifyUrl(cb, 'echo-123', { token: 'someone-else' }),
      verifyUrl(cb, 'echo-123', { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      verifyUrl(cb, 'echo-123', { receiveId: 'wwcorp0001' }),
      `${cb}?echostr=abc`,
    ]) {
      const res = await fetch(url);
      await expectRefused({ status: res.status, body: await res.text() });
    }
  });
});

describe('a group subscribes itself with its robot key', () => {
  it('checks the key through the robot, delivers the next message, lists, unsubscribes, delivers no more', async () => {
    const robot = fake.addRobot();
    const reply = await say(`@Herald /subscribe alerts ${keyOf(robot.endpoint)}`, { chatid: 'chat-ops' });
    expect(reply).toMatch(/^Subscribed/);
    // The check message went through the robot before anything was stored; the key is never echoed.
    expect(fake.received(robot.endpoint)).toHaveLength(1);
    expect(fake.received(robot.endpoint)[0]!.text).toContain('alerts');
    expect(reply).not.toContain(keyOf(robot.endpoint));
    const [sub] = await subs('alerts');
    expect(sub).toMatchObject({ protocol: 'wecom', source: 'chat', chat: { protocol: 'wecom', chatId: 'chat-ops' } });
    expect(sub.endpoint).not.toContain(keyOf(robot.endpoint));

    expect((await publish('alerts', 'disk full on db-1')).body.deliveries).toBe(1);
    const got = await waitFor('the published message', () => fake.received(robot.endpoint).find((r) => r.text.includes('disk full on db-1')));
    expect(got.body.msgtype).toBe('markdown');

    expect(await say('@Herald /list', { chatid: 'chat-ops' })).toContain('• alerts');
    expect(await say('@Herald /list', { chatid: 'chat-other' })).toMatch(/no subscriptions/);

    expect(await say('@Herald /unsubscribe alerts', { chatid: 'chat-ops' })).toMatch(/^Unsubscribed/);
    expect(await subs('alerts')).toEqual([]);
    expect((await publish('alerts', 'disk full again')).body.deliveries).toBe(0);
    expect(fake.received(robot.endpoint)).toHaveLength(2);
  });

  it('takes the whole webhook URL as pasted from WeCom, and unsubscribes one robot by its key', async () => {
    const robot = fake.addRobot();
    // WeCom shows https://qyapi.weixin.qq.com/...?key=…: Herald keeps the key, on platforms.wecom.webhookBase.
    const pasted = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${keyOf(robot.endpoint)}`;
    expect(await say(`@Herald 订阅 deploys ${pasted}`, { chatid: 'chat-dev' })).toMatch(/^订阅成功/);
    expect((await publish('deploys', 'v1.2.3 rolled out')).body.deliveries).toBe(1);
    await waitFor('the deploy message', () => fake.received(robot.endpoint).find((r) => r.text.includes('v1.2.3')));
    const checks = fake.received(robot.endpoint).length;
    expect(await say(`@Herald /unsubscribe deploys ${keyOf(robot.endpoint)}`, { chatid: 'chat-dev' })).toMatch(/^Unsubscribed/);
    // Unsubscribing never posts through the robot (a removed robot can still be unsubscribed).
    expect(fake.received(robot.endpoint)).toHaveLength(checks);
    expect(await subs('deploys')).toEqual([]);
  });

  it('without a key, says how to find the group robot webhook key; stores nothing', async () => {
    const reply = await say('@Herald /subscribe alerts', { chatid: 'chat-ops' });
    expect(reply).toContain('Group Robot');
    expect(reply).toContain('key=');
    expect(await say('@Herald 订阅 alerts')).toContain('群机器人');
    expect(await subs('alerts')).toEqual([]);
  });

  it('a key WeCom does not know: a helpful reply, nothing stored', async () => {
    const unknown = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const reply = await say(`@Herald /subscribe alerts ${unknown}`);
    expect(reply).toMatch(/does not know this webhook key/);
    expect(reply).not.toContain(unknown);
    expect(fake.rejections().some((r) => r.code === 93000 && r.endpoint.endsWith(unknown))).toBe(true);
    expect(await subs('alerts')).toEqual([]);
  });

  it('a URL on another host is refused without posting to it', async () => {
    const robot = fake.addRobot();
    const reply = await say(`@Herald /subscribe alerts https://collector.example.net/cgi-bin/webhook/send?key=${keyOf(robot.endpoint)}`);
    expect(reply).toMatch(/not a WeCom group robot URL/);
    expect(fake.received(robot.endpoint)).toEqual([]);
    expect(await subs('alerts')).toEqual([]);
  });
});

describe('configuration', () => {
  it('refuses to start with half the credentials or a malformed EncodingAESKey', async () => {
    for (const env of <Record<string, string>[]>[
      { HERALD_WECOM_TOKEN: WECOM_TOKEN },
      { HERALD_WECOM_ENCODING_AES_KEY: WECOM_AES_KEY },
      { HERALD_WECOM_TOKEN: WECOM_TOKEN, HERALD_WECOM_ENCODING_AES_KEY: 'too-short' },
    ]) {
      await expect(startTestHerald({ env })).rejects.toThrow(/HERALD_WECOM_/);
    }
  });

  it('without credentials the callback is not served (it falls to the bearer-token API)', async () => {
    const plain = await startTestHerald();
    try {
      const res = await fetch(verifyUrl(`${plain.url}/v1/callbacks/wecom`, 'echo'));
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('unauthorized');
    } finally {
      await plain.stop();
    }
  });
});

describe('refused callbacks change nothing', () => {
  let robotKey: string;
  let msg: AibotMessage;
  beforeEach(() => {
    robotKey = keyOf(fake.addRobot().endpoint);
    msg = groupText(`@Herald /subscribe alerts ${robotKey}`, { responseUrl: rx.next(), chatid: 'chat-x' });
  });

  const unchanged = async (repliesBefore: number, received: number) => {
    expect(await subs('alerts')).toEqual([]);
    expect(rx.replies).toHaveLength(repliesBefore);
    expect(fake.received()).toHaveLength(received);
  };

  it('a forged signature, a stale timestamp, garbage ciphertext, a foreign receive id, no signature', async () => {
    const [replies, received] = [rx.replies.length, fake.received().length];
    await expectRefused(await post(messageCallback(cb, msg, { token: 'guessed-token' })));
    await expectRefused(await post(messageCallback(cb, msg, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })));
    await expectRefused(await post(messageCallback(cb, msg, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })));
    await expectRefused(await post(messageCallback(cb, msg, { aesKey: 'A'.repeat(43) })));
    await expectRefused(await post(cipherCallback(cb, Buffer.from('not a wecom ciphertext at all!!').toString('base64'))));
    await expectRefused(await post(cipherCallback(cb, 'garbage%%')));
    await expectRefused(await post(messageCallback(cb, msg, { receiveId: 'wwcorp0001' })));
    const signed = messageCallback(cb, msg);
    await expectRefused(await post({ ...signed, url: cb }));
    await expectRefused(await post({ ...signed, body: '{"encrypt":"' }));
    await unchanged(replies, received);
  });

  it('a replayed callback, and the same msgid under a new nonce, run once', async () => {
    const first = messageCallback(cb, msg);
    const before = rx.replies.length;
    expect(await post(first)).toEqual({ status: 200, body: '' });
    await waitFor('the first reply', () => rx.replies[before]);
    await expectRefused(await post(first));
    await expectRefused(await post(messageCallback(cb, msg)));
    expect(rx.replies).toHaveLength(before + 1);
    expect(await subs('alerts')).toHaveLength(1);
    expect(await say('@Herald /unsubscribe alerts', { chatid: 'chat-x' })).toMatch(/^Unsubscribed/);
  });
});

/**
 * Lark chat commands end to end: a real Herald with the Lark app configured, the real SDK pointed at
 * a fake open platform, callbacks encrypted and signed as Lark does them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies } from '../../src/commands/replies.js';
import { larkEncrypt, type LarkOpenServer, larkSignature, postLarkCallback, startLarkOpenServer, textEvent } from '../fakes/lark-open-server.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'app-secret-for-tests-0001';
const ENCRYPT_KEY = 'encrypt-key-for-tests-0001';
const TOKEN = 'verification-token-0001';
const CHAT = 'oc_0123456789abcdef0123456789abcdef';
const OWNER = 'ou_owner';
const MANAGER = 'ou_manager';
const MEMBER = 'ou_member';

const larkEnv = {
  HERALD_LARK_APP_ID: APP_ID,
  HERALD_LARK_APP_SECRET: APP_SECRET,
  HERALD_LARK_ENCRYPT_KEY: ENCRYPT_KEY,
  HERALD_LARK_VERIFICATION_TOKEN: TOKEN,
};

async function setup(commands?: unknown) {
  const fake = await startLarkOpenServer({
    appId: APP_ID,
    appSecret: APP_SECRET,
    chats: { [CHAT]: { name: 'On-call', ownerId: OWNER, managerIds: [MANAGER], botIn: true } },
  });
  const t = await startTestHerald({
    env: larkEnv,
    config: { platforms: { lark: { apiBase: fake.baseUrl } }, ...(commands ? { commands } : {}) },
  });
  expect((await t.api('POST', '/v1/topics', { name: 'alerts' })).status).toBe(201);
  return { fake, t, callback: `${t.url}/v1/callbacks/lark` };
}

const event = (text: string, over: Partial<Parameters<typeof textEvent>[0]> = {}) =>
  textEvent({ token: TOKEN, appId: APP_ID, chatId: CHAT, senderOpenId: MEMBER, text, ...over });

describe('Lark: subscribe by command, receive, unsubscribe', () => {
  let fake: LarkOpenServer;
  let t: TestHerald;
  let callback: string;
  beforeAll(async () => ({ fake, t, callback } = await setup()));
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('answers the encrypted url_verification challenge, only with our token', async () => {
    const ok = await postLarkCallback(callback, ENCRYPT_KEY, { challenge: 'ch-1', token: TOKEN, type: 'url_verification' }, { omitHeaders: true });
    expect(ok).toEqual({ status: 200, body: { challenge: 'ch-1' } });
    const bad = await postLarkCallback(callback, ENCRYPT_KEY, { challenge: 'ch-2', token: 'nope', type: 'url_verification' }, { omitHeaders: true });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: { code: 'callback_refused', message: 'The callback was refused.' } });
  });

  it('a /subscribe in the group subscribes it, the next publish arrives there, /unsubscribe stops it', async () => {
    let reply = fake.nextMessage(CHAT);
    expect(await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /subscribe alerts'))).toEqual({ status: 200, body: {} });
    expect((await reply).text).toBe(replies.subscribed.en({ topic: 'alerts' }));

    const subs = (await t.api('GET', '/v1/topics/alerts/subscriptions')).body.subscriptions;
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ protocol: 'lark', source: 'chat', chat: { protocol: 'lark', chatId: CHAT, chatName: 'On-call' } });
    expect(subs[0].endpoint).not.toContain(CHAT.slice(8));
    const audit = (await t.api('GET', '/v1/audit')).body.entries;
    expect(audit.find((e: any) => e.target === subs[0].id)).toMatchObject({ actor: `chat:lark:${MEMBER}`, action: 'subscription.create' });

    const pushed = fake.nextMessage(CHAT);
    const pub = await t.api('POST', '/v1/topics/alerts/publish', { subject: 'Disk full', message: 'db-1 at 97%', level: 'error' });
    expect(pub.status).toBe(202);
    const card = await pushed;
    expect(card.msgType).toBe('interactive');
    expect(card.text).toContain('Disk full');
    expect(card.text).toContain('db-1 at 97%');
    await waitFor('delivered', async () => (await t.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries?.[0]?.status === 'delivered');

    reply = fake.nextMessage(CHAT);
    expect((await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 退订 alerts'))).status).toBe(200);
    expect((await reply).text).toBe(replies.unsubscribed.zh({ topic: 'alerts' }));
    expect((await t.api('GET', '/v1/topics/alerts/subscriptions')).body.subscriptions).toEqual([]);
    const after = await t.api('POST', '/v1/topics/alerts/publish', { message: 'nobody hears this' });
    expect(after.body.deliveries).toBe(0);
  });

  it('a retried part of a chat delivery is posted once (the IM API de-duplicates by uuid)', async () => {
    const lark = t.running.herald.adapters.get('lark')!;
    const target = { subscriptionId: 's', endpoint: lark.normalizeEndpoint(`lark-chat:${CHAT}`) };
    const msg = {
      messageId: 'm1', deliveryId: 'm1.00000', topic: 'alerts', text: 'retried once', format: 'markdown' as const,
      level: 'info' as const, mentions: {}, attributes: {}, createdAt: new Date().toISOString(),
    };
    const [part] = lark.render(msg, target);
    const ctx = { http: t.running.herald.http, now: Date.now, log: t.running.herald.log };
    const before = fake.messages.length;
    expect(await lark.send(target, part, ctx)).toMatchObject({ ok: true });
    expect(await lark.send(target, part, ctx)).toMatchObject({ ok: true });
    expect(fake.messages.length - before).toBe(1);
  });

  it('answers /list and /help in the chat', async () => {
    const reply = fake.nextMessage(CHAT);
    await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /help'));
    expect((await reply).text).toBe(replies.help.en({ argument: '' }));
  });

  describe('refused callbacks change nothing', () => {
    const state = async () => ({
      subs: (await t.api('GET', '/v1/topics/alerts/subscriptions')).body.subscriptions.length,
      audit: (await t.api('GET', '/v1/audit?limit=1000')).body.entries.length,
      messages: fake.messages.length,
    });

    it.each([
      ['a wrong signature', { signature: 'f'.repeat(64) }],
      ['no signature headers', { omitHeaders: true }],
      ['a timestamp 6 minutes old', { timestamp: Date.now() - 6 * 60_000 }],
      ['a timestamp 6 minutes ahead', { timestamp: Date.now() + 6 * 60_000 }],
      ['a plain (unencrypted) body', { plain: true, omitHeaders: true }],
    ])('%s → 401', async (_name, tamper) => {
      const before = await state();
      const ev = event('@_user_1 /subscribe alerts');
      const res = await postLarkCallback(callback, ENCRYPT_KEY, ev, tamper);
      expect(res).toEqual({ status: 401, body: { error: { code: 'callback_refused', message: 'The callback was refused.' } } });
      expect(await state()).toEqual(before);
      // the refused event's id was not spent: the genuine delivery of it still works
      const reply = fake.nextMessage(CHAT);
      expect((await postLarkCallback(callback, ENCRYPT_KEY, { ...ev, event: { ...ev.event } })).status).toBe(200);
      expect((await reply).text).toMatch(/Subscribed|already/);
      const unsub = fake.nextMessage(CHAT);
      await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /unsubscribe alerts'));
      await unsub;
    });

    it('signed with another encrypt key → 401', async () => {
      const before = await state();
      const res = await postLarkCallback(callback, 'someone-elses-key', event('@_user_1 /subscribe alerts'));
      expect(res.status).toBe(401);
      expect(await state()).toEqual(before);
    });

    it('validly signed but carrying another verification token or app id → 401', async () => {
      const before = await state();
      expect((await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /subscribe alerts', { token: 'forged' }))).status).toBe(401);
      expect((await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /subscribe alerts', { appId: 'cli_fedcba9876543210' }))).status).toBe(401);
      expect(await state()).toEqual(before);
    });

    it('a replayed event is acknowledged and not run again', async () => {
      const ev = event('@_user_1 /subscribe alerts');
      const reply = fake.nextMessage(CHAT);
      await postLarkCallback(callback, ENCRYPT_KEY, ev);
      await reply;
      const unsub = fake.nextMessage(CHAT);
      await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /unsubscribe alerts'));
      await unsub;

      const before = await state();
      // Freshly signed (as a Lark retry would be) and byte-for-byte the same body: both dropped.
      expect(await postLarkCallback(callback, ENCRYPT_KEY, ev)).toEqual({ status: 200, body: {} });
      const body = JSON.stringify({ encrypt: larkEncrypt(ENCRYPT_KEY, JSON.stringify(ev)) });
      const ts = String(Math.floor(Date.now() / 1000));
      const headers = { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': larkSignature(ts, 'n', ENCRYPT_KEY, body) };
      expect((await fetch(callback, { method: 'POST', headers, body })).status).toBe(200);
      expect((await fetch(callback, { method: 'POST', headers, body })).status).toBe(200);
      expect(await state()).toEqual(before);
    });

    it('messages from bots and non-text messages are ignored', async () => {
      const before = await state();
      expect((await postLarkCallback(callback, ENCRYPT_KEY, event('/subscribe alerts', { senderType: 'app' }))).status).toBe(200);
      const image = event('x');
      image.event.message.message_type = 'image';
      image.event.message.content = JSON.stringify({ image_key: 'img_1' });
      expect((await postLarkCallback(callback, ENCRYPT_KEY, image)).status).toBe(200);
      expect(await state()).toEqual(before);
    });
  });

  it('a group the bot was removed from fails its delivery permanently, with the reason', async () => {
    const reply = fake.nextMessage(CHAT);
    await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /subscribe alerts'));
    await reply;
    fake.chats.get(CHAT)!.botIn = false;
    try {
      const pub = await t.api('POST', '/v1/topics/alerts/publish', { message: 'into the void' });
      const d = await waitFor('failed', async () => {
        const rec = (await t.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries?.[0];
        return rec?.status === 'failed' ? rec : undefined;
      });
      expect(d.attempts).toBe(1);
      expect(d.lastError).toMatch(/no longer in this Lark group/);
    } finally {
      fake.chats.get(CHAT)!.botIn = true;
    }
  });
});

describe('Lark: commands.lark.allow = admins asks the chat API', () => {
  let fake: LarkOpenServer;
  let t: TestHerald;
  let callback: string;
  beforeAll(async () => ({ fake, t, callback } = await setup({ lark: { allow: 'admins' } })));
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('a member is refused; the owner and a manager may', async () => {
    let reply = fake.nextMessage(CHAT);
    await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /subscribe alerts', { senderOpenId: MEMBER }));
    expect((await reply).text).toBe(replies.deniedAdmins.en());
    expect((await t.api('GET', '/v1/topics/alerts/subscriptions')).body.subscriptions).toEqual([]);

    reply = fake.nextMessage(CHAT);
    await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /subscribe alerts', { senderOpenId: MANAGER }));
    expect((await reply).text).toBe(replies.subscribed.en({ topic: 'alerts' }));

    reply = fake.nextMessage(CHAT);
    await postLarkCallback(callback, ENCRYPT_KEY, event('@_user_1 /unsubscribe alerts', { senderOpenId: OWNER }));
    expect((await reply).text).toBe(replies.unsubscribed.en({ topic: 'alerts' }));
  });
});

describe('Lark: without app credentials the channel is off', () => {
  it('does not mount /v1/callbacks/lark', async () => {
    const t = await startTestHerald();
    try {
      const res = await fetch(`${t.url}/v1/callbacks/lark`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(401); // the authenticated API answered: no callback route
      expect(((await res.json()) as any).error.code).toBe('unauthorized');
    } finally {
      await t.stop();
    }
  });
});

describe('Lark: long-connection mode (platforms.lark.mode = websocket)', () => {
  let fake: LarkOpenServer;
  let t: TestHerald;
  beforeAll(async () => {
    fake = await startLarkOpenServer({
      appId: APP_ID,
      appSecret: APP_SECRET,
      chats: { [CHAT]: { name: 'On-call', ownerId: OWNER, managerIds: [], botIn: true } },
    });
    t = await startTestHerald({ env: larkEnv, config: { platforms: { lark: { apiBase: fake.baseUrl, mode: 'websocket' } } } });
    expect((await t.api('POST', '/v1/topics', { name: 'alerts' })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('takes commands from the socket, acknowledges each frame and mounts no callback route', async () => {
    await fake.ws.connected();
    const ev = event('@_user_1 /subscribe alerts');
    const reply = fake.nextMessage(CHAT);
    const ack = await fake.ws.push(ev);
    expect(ack.code).toBe(200);
    expect((await reply).text).toBe(replies.subscribed.en({ topic: 'alerts' }));
    expect((await t.api('GET', '/v1/topics/alerts/subscriptions')).body.subscriptions).toHaveLength(1);

    // the same event again (Lark re-pushes unacknowledged ones): acknowledged, not run
    const audit = (await t.api('GET', '/v1/audit?limit=1000')).body.entries.length;
    const sent = fake.messages.length;
    expect((await fake.ws.push(ev)).code).toBe(200);
    expect((await t.api('GET', '/v1/audit?limit=1000')).body.entries.length).toBe(audit);
    expect(fake.messages.length).toBe(sent);

    const res = await postLarkCallback(`${t.url}/v1/callbacks/lark`, ENCRYPT_KEY, event('@_user_1 /unsubscribe alerts'));
    expect(res.status).toBe(401); // no callback route in this mode: the authenticated API answered
    expect((await t.api('GET', '/v1/topics/alerts/subscriptions')).body.subscriptions).toHaveLength(1);
  });
});

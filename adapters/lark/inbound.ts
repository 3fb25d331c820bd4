/**
 * Lark chat commands in: `im.message.receive_v1` events (a group member @-mentions the app bot)
 * through the SDK's EventDispatcher, either as HTTP callbacks at POST /v1/callbacks/lark (webhook
 * mode) or over the SDK's long connection (WSClient, `platforms.lark.mode: websocket`).
 * Research inbound §2.2-§2.5; https://open.feishu.cn/document/server-docs/event-subscription-guide/overview
 *
 * A callback is refused (401, no detail, nothing changed) unless: its request timestamp is within
 * CALLBACK_MAX_AGE_MS, the SDK accepts its X-Lark-Signature (encrypt key) and decrypts it, its
 * `token` equals the verification token and its `app_id` is ours. A repeated `event_id` is
 * acknowledged and dropped. The reply goes back into the chat through the IM API (./chat.ts).
 */
import { type LarkSdk, larkSdk } from './sdk.js';
import { timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import type { Logger } from 'winston';
import { outboundAgent } from '../../src/delivery/proxy.js';
import { Errors } from '../../src/errors.js';
import type { CommandHub, InboundChannel, InboundCommand } from '../types.js';
import { type ChatInfo, LARK_CHAT_PREFIX, type LarkApp } from './chat.js';

/** Our replay window: the SDK checks the signature but not the age (research §2.3). */
export const CALLBACK_MAX_AGE_MS = 5 * 60_000;
/** Lark re-pushes an unacknowledged event for hours (5 s, 5 min, 1 h, 6 h: research §2.2). */
export const EVENT_DEDUP_TTL_MS = 24 * 3_600_000;
/** Lark waits 3 s for the answer (research §2.2): reply within this, else answer and finish after. */
export const ACK_BUDGET_MS = 2_000;
/** Owner and managers are read once a minute per chat at most. */
export const CHAT_INFO_TTL_MS = 60_000;
/** A command event is a few KB; anything far bigger is not Lark. */
const MAX_BODY = '256kb';

type Verdict = 'refused' | 'duplicate' | 'accepted' | 'ignored';

interface MessageEvent {
  event_id?: string;
  token?: string;
  app_id?: string;
  sender?: { sender_type?: string; sender_id?: { open_id?: string } };
  message?: {
    chat_id?: string;
    message_type?: string;
    content?: string;
    mentions?: { key?: string; name?: string }[];
  };
}

/** `card.action.trigger` as the SDK hands it over: header and event flattened into one object. */
interface CardActionEvent {
  event_id?: string;
  app_id?: string;
  operator?: { open_id?: string };
  action?: { value?: unknown; tag?: string };
  context?: { open_message_id?: string; open_chat_id?: string };
}

type CardAnswer = { toast?: { type: 'success' | 'error' | 'info' | 'warning'; content: string } };

const sameSecret = (a: string | undefined, b: string): boolean =>
  typeof a === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The text of a text message, every `@_user_N` placeholder removed (research §2.4). */
export function commandText(message: NonNullable<MessageEvent['message']>): string | undefined {
  if (message.message_type !== 'text' || typeof message.content !== 'string') return undefined;
  let text: unknown;
  try {
    text = (JSON.parse(message.content) as { text?: unknown }).text;
  } catch {
    return undefined;
  }
  if (typeof text !== 'string') return undefined;
  for (const m of message.mentions ?? []) if (m.key) text = (text as string).split(m.key).join(' ');
  return (text as string).replace(/@_user_\d+/g, ' ').replace(/\s+/g, ' ').trim();
}

export function createLarkInbound(hub: CommandHub, app: LarkApp, log: Logger): InboundChannel {
  const { settings } = app;
  const inFlight = new Set<Promise<void>>();
  const chats = new Map<string, { at: number; info: Promise<ChatInfo> }>();
  let ws: LarkSdk.WSClient | undefined;

  if (settings.mode === 'webhook' && !settings.encryptKey) {
    log.warn('lark: no encrypt key (HERALD_LARK_ENCRYPT_KEY): callbacks are checked by the verification token only, unsigned and replayable within the dedup window');
  }
  if (settings.mode === 'webhook' && !settings.encryptKey && !settings.verificationToken) {
    log.error('lark: neither HERALD_LARK_ENCRYPT_KEY nor HERALD_LARK_VERIFICATION_TOKEN is set: every Lark callback will be refused');
  }

  function chatInfo(chatId: string): Promise<ChatInfo> {
    const hit = chats.get(chatId);
    if (hit && Date.now() - hit.at < CHAT_INFO_TTL_MS) return hit.info;
    const info = app.chatInfo(chatId);
    chats.set(chatId, { at: Date.now(), info });
    info.catch(() => chats.delete(chatId));
    if (chats.size > 1000) chats.delete(chats.keys().next().value!);
    return info;
  }

  async function answer(cmd: InboundCommand): Promise<void> {
    try {
      const info = await chatInfo(cmd.chatId).catch(() => undefined);
      const reply = await hub.run({ ...cmd, chatName: info?.name });
      // one reply per event: a redelivered event is deduplicated before it gets here
      const outcome = await app.send(cmd.chatId, 'text', JSON.stringify({ text: reply }), `reply-${cmd.eventId}`.slice(0, 50));
      if (!outcome.ok) log.warn('lark: could not post the command reply', { chatId: cmd.chatId, code: outcome.code, reason: outcome.message });
    } catch (err) {
      log.error('lark: chat command failed', { chatId: cmd.chatId, err });
    }
  }

  /** Runs inside the dispatcher, after the SDK checked the signature and decrypted the event. */
  async function onMessage(data: MessageEvent, transport: 'webhook' | 'websocket'): Promise<Verdict> {
    // The long connection is authenticated by the app secret; callbacks must carry our token.
    if (transport === 'webhook') {
      if (!settings.verificationToken && !settings.encryptKey) return 'refused';
      if (settings.verificationToken && !sameSecret(data.token, settings.verificationToken)) return 'refused';
    }
    if (data.app_id && data.app_id !== settings.appId) return 'refused';
    if (!data.event_id) return 'ignored';
    if (!(await hub.firstSeen(`event:${data.event_id}`, EVENT_DEDUP_TTL_MS))) return 'duplicate';
    const message = data.message;
    const userId = data.sender?.sender_id?.open_id;
    if (!message?.chat_id || !userId || data.sender?.sender_type !== 'user') return 'ignored';
    const text = commandText(message);
    if (text === undefined) return 'ignored';
    const cmd: InboundCommand = {
      protocol: 'lark',
      eventId: data.event_id,
      chatId: message.chat_id,
      userId,
      text,
      endpoint: `${LARK_CHAT_PREFIX}${message.chat_id}`,
    };
    const work = answer(cmd);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    await Promise.race([work, new Promise((r) => setTimeout(r, ACK_BUDGET_MS).unref())]);
    return 'accepted';
  }

  /**
   * A button pressed on one of our cards (`card.action.trigger`, schema 2.0). Lark shows the toast we
   * answer within 3 s. The callback's verification token is checked before the SDK flattens the
   * event (its `token` field then holds the card's update token instead).
   * https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-callback-communication
   */
  async function onCardAction(data: CardActionEvent): Promise<Verdict | CardAnswer> {
    if (data.app_id && data.app_id !== settings.appId) return 'refused';
    const value = data.action?.value;
    const chatId = data.context?.open_chat_id;
    const userId = data.operator?.open_id;
    if (!data.event_id || !value || typeof value !== 'object' || !chatId || !userId || !hub.action) return 'ignored';
    if (!(await hub.firstSeen(`card:${data.event_id}`, EVENT_DEDUP_TTL_MS))) return {};
    const work = hub.action({ protocol: 'lark', eventId: data.event_id, chatId, userId, value: value as Record<string, unknown> });
    const answer = await Promise.race([work, new Promise<undefined>((r) => setTimeout(() => r(undefined), ACK_BUDGET_MS).unref())]);
    if (!answer) {
      inFlight.add(work.then(() => {}, () => {}));
      return { toast: { type: 'info', content: hub.actionPending?.() ?? 'Working on it…' } };
    }
    return { toast: { type: answer.ok ? 'success' : 'error', content: answer.text.slice(0, 200) } };
  }

  const dispatcher = (transport: 'webhook' | 'websocket') =>
    new (larkSdk().EventDispatcher)({
      encryptKey: settings.encryptKey,
      verificationToken: settings.verificationToken,
      logger: app.sdkLogger,
      loggerLevel: larkSdk().LoggerLevel.warn,
    }).register({
      'im.message.receive_v1': (data: unknown) => onMessage(data as MessageEvent, transport),
      'card.action.trigger': (data: unknown) => onCardAction(data as CardActionEvent),
    });

  const webhook = dispatcher('webhook');

  function fresh(headers: express.Request['headers']): boolean {
    const ts = headers['x-lark-request-timestamp'];
    if (ts === undefined) return !settings.encryptKey; // signed callbacks always carry it
    const seconds = Number(ts);
    return Number.isFinite(seconds) && Math.abs(Date.now() - seconds * 1000) <= CALLBACK_MAX_AGE_MS;
  }

  function plainOf(body: Record<string, unknown>): Record<string, unknown> {
    if (typeof body.encrypt !== 'string') return body;
    if (!settings.encryptKey) throw Errors.callbackRefused();
    try {
      return JSON.parse(new (larkSdk().AESCipher)(settings.encryptKey).decrypt(body.encrypt)) as Record<string, unknown>;
    } catch {
      throw Errors.callbackRefused();
    }
  }

  /** Schema 2.0 callbacks carry the verification token in `header.token`. */
  function checkHeaderToken(plain: Record<string, unknown>): void {
    const header = plain.header as { token?: string; event_type?: string } | undefined;
    if (plain.schema !== '2.0' || header?.event_type !== 'card.action.trigger') return;
    if (!settings.verificationToken && !settings.encryptKey) throw Errors.callbackRefused();
    if (settings.verificationToken && !sameSecret(header.token, settings.verificationToken)) throw Errors.callbackRefused();
  }

  /** url_verification is not signed (research §2.2): answer it when its token is ours. */
  function challengeOf(plain: Record<string, unknown>): string | undefined {
    if (plain.type !== 'url_verification') return undefined;
    if (!settings.verificationToken || !sameSecret(plain.token as string, settings.verificationToken)) throw Errors.callbackRefused();
    return typeof plain.challenge === 'string' ? plain.challenge : '';
  }

  return {
    mount(router: Router) {
      if (settings.mode !== 'webhook') return;
      router.post('/', express.raw({ type: () => true, limit: MAX_BODY }), async (req, res) => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
        } catch {
          throw Errors.invalidJson();
        }
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw Errors.invalidJson();
        const plain = plainOf(body as Record<string, unknown>);
        const challenge = challengeOf(plain);
        if (challenge !== undefined) {
          res.json({ challenge });
          return;
        }
        if (!fresh(req.headers)) throw Errors.callbackRefused();
        checkHeaderToken(plain);
        // The SDK hashes JSON.stringify(body) with the signature headers: Lark's bodies are compact JSON.
        const verdict: unknown = await webhook.invoke(Object.assign(Object.create({ headers: req.headers }), body));
        // undefined: bad signature; "no undefined event handle": did not decrypt.
        if (verdict === undefined || verdict === 'refused' || verdict === 'no undefined event handle') throw Errors.callbackRefused();
        // a card action answers with its toast; every other event with {}
        res.json(verdict && typeof verdict === 'object' ? verdict : {});
      });
    },
    async start() {
      if (settings.mode !== 'websocket') return;
      if (!/^cli_[0-9a-fA-F]{16}$/.test(settings.appId)) {
        throw new Error('lark: long-connection mode needs an app id like cli_0123456789abcdef (the SDK ignores others)');
      }
      ws = new (larkSdk().WSClient)({
        appId: settings.appId,
        appSecret: settings.appSecret,
        domain: settings.apiBase,
        logger: app.sdkLogger,
        loggerLevel: larkSdk().LoggerLevel.warn,
        autoReconnect: true,
        // the long connection's WebSocket honours HTTPS_PROXY / NO_PROXY like every other request
        agent: outboundAgent(),
      });
      await ws.start({ eventDispatcher: dispatcher('websocket') });
    },
    async stop() {
      ws?.close({ force: true });
      await Promise.allSettled([...inFlight]);
    },
    async isAdmin(cmd) {
      const info = await chatInfo(cmd.chatId);
      return info.ownerId === cmd.userId || info.managerIds.includes(cmd.userId);
    },
  };
}

/**
 * A fake Lark/Feishu open platform for the app bot, written from the research (platforms-inbound.md
 * §2.1, §2.6, §2.8), not from the code it judges. It issues tenant tokens for one app
 * (POST /open-apis/auth/v3/tenant_access_token/internal), and checks the Bearer token on
 * POST /open-apis/im/v1/messages?receive_id_type=chat_id (the chat exists, the bot is in it, msg_type
 * and its JSON-string content) and GET /open-apis/im/v1/chats/:chat_id (owner and managers).
 * It also crafts what Lark posts to a callback URL: events encrypted with the encrypt key and signed
 * with X-Lark-Signature (research §2.3).
 * Card edits, PATCH /open-apis/im/v1/messages/:message_id, follow "更新应用发送的消息卡片"
 * (open.feishu.cn …/reference/im-v1/message/patch): only interactive messages this app sent, not
 * recalled; `config.update_multi: true` on the card before AND after; sent within 14 days; 5 QPS per
 * message; card body ≤ 30 KB. An unknown message id is 230001 "invalid message_id" (Lark's 230001
 * troubleshooting page); the codes for a non-shared card, an edit after 14 days and the per-message
 * rate are not published in what we read, so this stand-in answers 230001 / 230001 / 230020.
 * Card callbacks (`card.action.trigger`, schema 2.0) are built by cardActionEvent.
 */
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LarkWsGateway, larkWsGateway } from './lark-ws-gateway.js';

export interface FakeChat {
  name: string;
  ownerId: string;
  managerIds: string[];
  /** the bot is a member (it can post and read the chat) */
  botIn: boolean;
}

export interface ImMessage {
  messageId: string;
  chatId: string;
  msgType: string;
  /** the parsed `content` JSON string */
  content: any;
  /** every string in it, joined: what a person in the chat reads */
  text: string;
}

/** Codes: 99991663 invalid token and 99991400 throttling are in research §2.6/frequency-control; the
 *  2300xx codes follow the message-create error table (230002: bot not in the chat). */
const INVALID_TOKEN = { status: 400, body: { code: 99991663, msg: 'Invalid access token for authorization.' } };
const BOT_NOT_IN_CHAT = { status: 400, body: { code: 230002, msg: 'Bot/User can NOT be out of the chat.' } };
const BAD_PARAM = { status: 400, body: { code: 230001, msg: 'Your request contains an invalid request parameter.' } };
const MSG_TYPES = new Set(['text', 'post', 'image', 'interactive', 'share_chat']);

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

export interface LarkOpenServer {
  baseUrl: string;
  appId: string;
  appSecret: string;
  chats: Map<string, FakeChat>;
  /** accepted IM messages in arrival order */
  messages: ImMessage[];
  /** every request path, in order (e.g. to count token fetches) */
  requests: string[];
  events: EventEmitter;
  /** the long-connection gateway (POST /callback/ws/endpoint + ws://…/ws) */
  ws: LarkWsGateway;
  /** resolves with the next accepted IM message to this chat */
  nextMessage(chatId: string): Promise<ImMessage>;
  /** accepted card edits in arrival order: the message as it reads after the edit */
  edits: ImMessage[];
  /** resolves with the next accepted edit of a message in this chat */
  nextEdit(chatId: string): Promise<ImMessage>;
  /** pretends a message was sent this long ago (to test the 14-day edit window) */
  age(messageId: string, ms: number): void;
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startLarkOpenServer(opts: { appId: string; appSecret: string; chats?: Record<string, FakeChat> }): Promise<LarkOpenServer> {
  const tokens = new Set<string>();
  const chats = new Map(Object.entries(opts.chats ?? {}));
  const messages: ImMessage[] = [];
  const edits: ImMessage[] = [];
  const byId = new Map<string, { msg: ImMessage; sentAt: number; editsAt: number[] }>();
  const sentByUuid = new Map<string, string>();
  const requests: string[] = [];
  const events = new EventEmitter();
  let failing = 0;
  let gateway: ReturnType<typeof larkWsGateway> | undefined;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const authorized = (req: IncomingMessage) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return !!m && tokens.has(m[1]!);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push(`${req.method} ${url.pathname}`);
      if (failing > 0) {
        failing -= 1;
        return send(res, 500, { code: 500, msg: 'internal error' });
      }
      let body: any;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return send(res, 400, { code: 9499, msg: 'Bad Request' });
      }

      if (req.method === 'POST' && url.pathname === '/open-apis/auth/v3/tenant_access_token/internal') {
        if (body?.app_id !== opts.appId || body?.app_secret !== opts.appSecret) return send(res, 200, { code: 10014, msg: 'app secret invalid' });
        const token = `t-${randomUUID()}`;
        tokens.add(token);
        return send(res, 200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
      }

      if (req.method === 'POST' && url.pathname === '/open-apis/im/v1/messages') {
        if (!authorized(req)) return send(res, INVALID_TOKEN.status, INVALID_TOKEN.body);
        if (url.searchParams.get('receive_id_type') !== 'chat_id') return send(res, BAD_PARAM.status, BAD_PARAM.body);
        const chat = chats.get(body?.receive_id);
        if (!chat?.botIn) return send(res, BOT_NOT_IN_CHAT.status, BOT_NOT_IN_CHAT.body);
        if (!MSG_TYPES.has(body?.msg_type) || typeof body?.content !== 'string') return send(res, BAD_PARAM.status, BAD_PARAM.body);
        let content: any;
        try {
          content = JSON.parse(body.content);
        } catch {
          return send(res, BAD_PARAM.status, BAD_PARAM.body);
        }
        if (body.msg_type === 'text' && (typeof content?.text !== 'string' || !content.text)) return send(res, BAD_PARAM.status, BAD_PARAM.body);
        if (body.msg_type === 'interactive' && !Array.isArray(content?.elements)) return send(res, BAD_PARAM.status, BAD_PARAM.body);
        // im/v1/message/create: "requests holding the same uuid send at most one message within 1 hour"
        if (typeof body.uuid === 'string' && body.uuid.length > 50) return send(res, BAD_PARAM.status, BAD_PARAM.body);
        const seen = typeof body.uuid === 'string' ? sentByUuid.get(body.uuid) : undefined;
        if (seen) return send(res, 200, { code: 0, msg: 'success', data: { message_id: seen, chat_id: body.receive_id, msg_type: body.msg_type } });
        const messageId = `om_${randomUUID().replace(/-/g, '')}`;
        const msg: ImMessage = { messageId, chatId: body.receive_id, msgType: body.msg_type, content, text: strings(content).join('\n') };
        if (typeof body.uuid === 'string') sentByUuid.set(body.uuid, messageId);
        byId.set(messageId, { msg, sentAt: Date.now(), editsAt: [] });
        messages.push(msg);
        events.emit('message', msg);
        return send(res, 200, { code: 0, msg: 'success', data: { message_id: messageId, chat_id: msg.chatId, msg_type: msg.msgType } });
      }

      const patchPath = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && patchPath) {
        if (!authorized(req)) return send(res, INVALID_TOKEN.status, INVALID_TOKEN.body);
        const sent = byId.get(decodeURIComponent(patchPath[1]!));
        if (sent?.msg.msgType !== 'interactive') return send(res, 400, { code: 230001, msg: 'Your request contains an invalid request parameter, ext=invalid message_id.' });
        if (Date.now() - sent.sentAt > 14 * 86_400_000) return send(res, 400, { code: 230001, msg: 'The message was sent more than 14 days ago and cannot be updated.' });
        if (typeof body?.content !== 'string' || Buffer.byteLength(body.content) > 30_000) return send(res, BAD_PARAM.status, BAD_PARAM.body);
        let card: any;
        try {
          card = JSON.parse(body.content);
        } catch {
          return send(res, BAD_PARAM.status, BAD_PARAM.body);
        }
        if (!Array.isArray(card?.elements)) return send(res, BAD_PARAM.status, BAD_PARAM.body);
        if (sent.msg.content?.config?.update_multi !== true || card?.config?.update_multi !== true) {
          return send(res, 400, { code: 230001, msg: 'Only shared cards (config.update_multi: true before and after) can be updated.' });
        }
        const now = Date.now();
        sent.editsAt = sent.editsAt.filter((t) => now - t < 1000);
        if (sent.editsAt.length >= 5) return send(res, 400, { code: 230020, msg: 'This operation triggers the frequency limit.' });
        sent.editsAt.push(now);
        sent.msg = { ...sent.msg, content: card, text: strings(card).join('\n') };
        edits.push(sent.msg);
        events.emit('edit', sent.msg);
        return send(res, 200, { code: 0, msg: 'success', data: {} });
      }

      const chatPath = /^\/open-apis\/im\/v1\/chats\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && chatPath) {
        if (!authorized(req)) return send(res, INVALID_TOKEN.status, INVALID_TOKEN.body);
        if (url.searchParams.get('user_id_type') !== 'open_id') return send(res, BAD_PARAM.status, BAD_PARAM.body);
        const chat = chats.get(decodeURIComponent(chatPath[1]!));
        if (!chat?.botIn) return send(res, BOT_NOT_IN_CHAT.status, BOT_NOT_IN_CHAT.body);
        return send(res, 200, {
          code: 0,
          msg: 'success',
          data: { name: chat.name, owner_id: chat.ownerId, owner_id_type: 'open_id', user_manager_id_list: chat.managerIds, bot_manager_id_list: [], chat_mode: 'group' },
        });
      }
      if (gateway?.route(req.method ?? '', url.pathname, body, (status, b) => send(res, status, b))) return;
      send(res, 404, { code: 404, msg: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  gateway = larkWsGateway(server, `http://127.0.0.1:${port}`, opts);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    appId: opts.appId,
    appSecret: opts.appSecret,
    chats,
    messages,
    requests,
    events,
    ws: gateway,
    nextMessage(chatId) {
      return new Promise((resolve) => {
        const on = (m: ImMessage) => {
          if (m.chatId !== chatId) return;
          events.off('message', on);
          resolve(m);
        };
        events.on('message', on);
      });
    },
    edits,
    nextEdit(chatId) {
      return new Promise((resolve) => {
        const on = (m: ImMessage) => {
          if (m.chatId !== chatId) return;
          events.off('edit', on);
          resolve(m);
        };
        events.on('edit', on);
      });
    },
    age(messageId, ms) {
      const sent = byId.get(messageId);
      if (sent) sent.sentAt = Date.now() - ms;
    },
    failNext(n) {
      failing = n;
    },
    close: () => {
      gateway?.close();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// ─── What Lark posts to the callback URL (research §2.3, §2.4) ──────────────────────────────────

/** `iv(16) || AES-256-CBC(key = SHA-256(encryptKey), PKCS7)`, base64. */
export function larkEncrypt(encryptKey: string, plain: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
}

/** X-Lark-Signature = hex(sha256(timestamp + nonce + encryptKey + body)). */
export function larkSignature(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey + body).digest('hex');
}

export interface TextEventOptions {
  eventId?: string;
  token: string;
  appId: string;
  chatId: string;
  senderOpenId: string;
  /** what the person typed, with `@_user_1` standing for the bot */
  text: string;
  senderType?: string;
}

/** A schema 2.0 `im.message.receive_v1` event for a text message that @-mentions the bot. */
export function textEvent(o: TextEventOptions) {
  return {
    schema: '2.0',
    header: {
      event_id: o.eventId ?? randomUUID().replace(/-/g, ''),
      token: o.token,
      create_time: String(Date.now()),
      event_type: 'im.message.receive_v1',
      tenant_key: 'tenant-1',
      app_id: o.appId,
    },
    event: {
      sender: { sender_id: { open_id: o.senderOpenId, union_id: 'on_x', user_id: 'u1' }, sender_type: o.senderType ?? 'user', tenant_key: 'tenant-1' },
      message: {
        message_id: `om_${randomUUID().replace(/-/g, '')}`,
        root_id: '',
        parent_id: '',
        create_time: String(Date.now()),
        chat_id: o.chatId,
        chat_type: 'group',
        message_type: 'text',
        content: JSON.stringify({ text: o.text }),
        mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'Herald', tenant_key: 'tenant-1' }],
      },
    },
  };
}

/**
 * A schema 2.0 `card.action.trigger` callback: a person pressed a button with `value` on a card in a
 * chat. https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-callback-communication
 */
export function cardActionEvent(o: { token: string; appId: string; chatId: string; operatorOpenId: string; messageId: string; value: unknown }) {
  return {
    schema: '2.0',
    header: {
      event_id: randomUUID().replace(/-/g, ''),
      token: o.token,
      create_time: String(Date.now() * 1000),
      event_type: 'card.action.trigger',
      tenant_key: 'tenant-1',
      app_id: o.appId,
    },
    event: {
      operator: { tenant_key: 'tenant-1', user_id: 'u1', open_id: o.operatorOpenId, union_id: 'on_x' },
      token: `c-${randomUUID()}`,
      action: { value: o.value, tag: 'button' },
      host: 'im_message',
      context: { open_message_id: o.messageId, open_chat_id: o.chatId },
    },
  };
}

/** POSTs an event as Lark does: encrypted, compact JSON, signed. `tamper` alters what is sent. */
export async function postLarkCallback(
  url: string,
  encryptKey: string,
  event: unknown,
  tamper: { timestamp?: number; signature?: string; omitHeaders?: boolean; plain?: boolean } = {},
): Promise<{ status: number; body: any }> {
  const body = tamper.plain ? JSON.stringify(event) : JSON.stringify({ encrypt: larkEncrypt(encryptKey, JSON.stringify(event)) });
  const timestamp = String(Math.floor((tamper.timestamp ?? Date.now()) / 1000));
  const nonce = randomUUID();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!tamper.omitHeaders) {
    headers['x-lark-request-timestamp'] = timestamp;
    headers['x-lark-request-nonce'] = nonce;
    headers['x-lark-signature'] = tamper.signature ?? larkSignature(timestamp, nonce, encryptKey, body);
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body: parsed };
}

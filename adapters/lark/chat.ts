/**
 * The second Lark target kind, `lark-chat:<chat_id>`: groups subscribed by a chat command
 * (`/subscribe <topic>` to the Lark app bot, SPEC "Chat commands") are pushed to by chat_id through
 * the app's IM message API with a tenant access token, not through a webhook:
 * POST /open-apis/im/v1/messages?receive_id_type=chat_id
 * https://open.feishu.cn/document/server-docs/im-v1/message/create (research inbound §2.1, §2.6).
 * The same app answers commands (./inbound.ts) and reads a chat's owner and managers.
 */
import { type LarkSdk, larkSdk } from './sdk.js';
import { createHash } from 'node:crypto';
import type { Logger } from 'winston';
import { z } from 'zod';
import { EndpointError, type MessageAction, type Outcome, type PlatformConfig, type Target } from '../types.js';
import type { LarkActions, LarkBody, LarkCardBody, LarkDiv, LarkTextBody } from './render.js';

/** A chat part's body: a text, or a card that may carry buttons. */
export type LarkChatBody = LarkTextBody | LarkCardBody<LarkDiv | LarkActions>;

export const LARK_CHAT_PREFIX = 'lark-chat:';

/** Group chat ids are `oc_` + 32 hex characters; accept the prefix and a sane length. */
const CHAT_ID = /^oc_[A-Za-z0-9]{8,64}$/;

export function isChatEndpoint(endpoint: string): boolean {
  return endpoint.startsWith(LARK_CHAT_PREFIX);
}

export function normalizeChatEndpoint(endpoint: string): string {
  const chatId = endpoint.slice(LARK_CHAT_PREFIX.length).trim();
  if (!CHAT_ID.test(chatId)) {
    throw new EndpointError(`A Lark chat endpoint is "${LARK_CHAT_PREFIX}oc_<chat id>"; chat subscriptions are made by the /subscribe command in the group.`);
  }
  return `${LARK_CHAT_PREFIX}${chatId}`;
}

/** Research §2.6: the IM API allows 5 QPS per chat, shared by every bot in it: one limiter per chat. */
export function chatLimiterKey(endpoint: string): string {
  return `lark:chat-${createHash('sha256').update(endpoint).digest('hex').slice(0, 16)}`;
}

/** `platforms.lark` keys of the app bot (SPEC: HERALD_LARK_APP_ID, _APP_SECRET, _ENCRYPT_KEY, _VERIFICATION_TOKEN). */
const appSettings = z.object({
  appId: z.string().min(1),
  appSecret: z.string().min(1),
  encryptKey: z.string().min(1).optional(),
  verificationToken: z.string().min(1).optional(),
  /** the SDK's `domain`: https://open.feishu.cn, https://open.larksuite.com, or a local fake */
  apiBase: z.string().url().default('https://open.feishu.cn'),
  /** how events arrive: HTTP callbacks at /v1/callbacks/lark, or the SDK's long connection */
  mode: z.enum(['webhook', 'websocket']).default('webhook'),
});
export type LarkAppSettings = z.infer<typeof appSettings>;

/** Owner and managers, as `im.chat.get` answers with user_id_type=open_id (research §2.1). */
export interface ChatInfo {
  name?: string;
  ownerId?: string;
  managerIds: string[];
}

export interface LarkApp {
  readonly settings: LarkAppSettings;
  readonly client: LarkSdk.Client;
  readonly sdkLogger: LarkSdk.Logger;
  /** `uuid`: Lark posts at most one message per uuid within an hour, so a retry after a lost answer is not shown twice */
  send(chatId: string, msgType: 'text' | 'interactive', content: string, uuid: string): Promise<Outcome>;
  /** PATCH /open-apis/im/v1/messages/:message_id with a whole new card */
  edit(messageId: string, content: string): Promise<Outcome>;
  chatInfo(chatId: string): Promise<ChatInfo>;
}

/** The SDK logs whole axios errors (request headers included): keep only messages and statuses. */
function describe(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) {
    const status = (arg as { response?: { status?: number } }).response?.status;
    return status ? `${arg.message} (HTTP ${status})` : arg.message;
  }
  return typeof arg === 'number' || typeof arg === 'boolean' ? String(arg) : '[object]';
}

export function sdkLogger(log: Logger): LarkSdk.Logger {
  const line = (msg: unknown[]) => `lark sdk: ${msg.map(describe).join(' ')}`;
  return {
    error: (...msg) => void log.warn(line(msg)),
    warn: (...msg) => void log.debug(line(msg)),
    info: () => {},
    debug: () => {},
    trace: () => {},
  };
}

/** The app bot, when `platforms.lark.appId` and `appSecret` are configured; else undefined. */
export function createLarkApp(config: PlatformConfig, log: Logger): LarkApp | undefined {
  if (!config.appId || !config.appSecret) return undefined;
  const parsed = appSettings.safeParse(config);
  if (!parsed.success) {
    throw new Error(`platforms.lark: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const settings = { ...parsed.data, apiBase: parsed.data.apiBase.replace(/\/+$/, '') };
  const logger = sdkLogger(log);
  const tokens = new TokenCache();
  const client = new (larkSdk().Client)({
    appId: settings.appId,
    appSecret: settings.appSecret,
    domain: settings.apiBase,
    logger,
    loggerLevel: larkSdk().LoggerLevel.warn,
    // Its own token cache: the SDK's default is module-global, keyed by appId only.
    cache: tokens,
  });
  /** A token Lark calls invalid is dropped, so the retry fetches a fresh one. */
  const settle = (outcome: Outcome): Outcome => {
    if (!outcome.ok && TOKEN_CODES.has(Number(outcome.code))) tokens.clear();
    return outcome;
  };
  return {
    settings,
    client,
    sdkLogger: logger,
    async send(chatId, msgType, content, uuid) {
      try {
        const res = await client.im.message.create({
          params: { receive_id_type: 'chat_id' },
          data: { receive_id: chatId, msg_type: msgType, content, uuid },
        });
        return settle(classifyImAnswer(200, res, undefined));
      } catch (err) {
        const response = (err as { response?: { status: number; data: unknown; headers?: Record<string, unknown> } }).response;
        if (!response) return failedWithoutAnswer(err);
        return settle(classifyImAnswer(response.status, response.data, response.headers));
      }
    },
    async edit(messageId, content) {
      try {
        const res = await client.im.message.patch({ path: { message_id: messageId }, data: { content } });
        const outcome = settle(classifyImAnswer(200, res, undefined));
        return outcome.ok ? { ok: true, platformMessageId: messageId } : outcome;
      } catch (err) {
        const response = (err as { response?: { status: number; data: unknown; headers?: Record<string, unknown> } }).response;
        if (!response) return failedWithoutAnswer(err);
        return settle(classifyImAnswer(response.status, response.data, response.headers));
      }
    },
    async chatInfo(chatId) {
      const res = await client.im.chat.get({ path: { chat_id: chatId }, params: { user_id_type: 'open_id' } });
      if (res.code !== 0 || !res.data) throw new Error(`lark: im.chat.get answered code ${res.code}`);
      return { name: res.data.name, ownerId: res.data.owner_id, managerIds: res.data.user_manager_id_list ?? [] };
    },
  };
}

/** The SDK's cache contract, clearable when Lark says the cached token is no longer valid. */
type CacheKey = Parameters<LarkSdk.Cache['get']>[0];
class TokenCache implements LarkSdk.Cache {
  private readonly values = new Map<string, { value: unknown; expiresAt?: number }>();
  private key(key: CacheKey, namespace?: string): string {
    return `${namespace ?? ''}/${key.toString()}`;
  }
  async get(key: CacheKey, options?: { namespace?: string }): Promise<unknown> {
    const hit = this.values.get(this.key(key, options?.namespace));
    return hit && (!hit.expiresAt || hit.expiresAt > Date.now()) ? hit.value : undefined;
  }
  async set(key: CacheKey, value: unknown, expiresAt?: number, options?: { namespace?: string }): Promise<boolean> {
    this.values.set(this.key(key, options?.namespace), { value, expiresAt });
    return true;
  }
  clear(): void {
    this.values.clear();
  }
}

/** No HTTP answer: the SDK could not get a tenant token (Lark said why), or the network failed. */
function failedWithoutAnswer(err: unknown): Outcome {
  const token = /failed to get tenant_access_token, code: (\w+)/.exec((err as Error)?.message ?? '');
  if (token) return { ok: false, kind: 'permanent', code: token[1], message: CREDENTIALS_REFUSED };
  throw err; // network: the worker retries
}

/** IM message bodies carry the card or text as a JSON string in `content` (research §2.1). */
export function toImMessage(payload: LarkBody | LarkChatBody): { msgType: 'text' | 'interactive'; content: string } {
  if (payload.msg_type === 'text') return { msgType: 'text', content: JSON.stringify({ text: payload.content.text }) };
  return { msgType: 'interactive', content: JSON.stringify(payload.card) };
}

const NOT_CONFIGURED =
  'Lark chat delivery is not available: the Lark app is not configured; set HERALD_LARK_APP_ID and HERALD_LARK_APP_SECRET, or subscribe the group with a custom bot webhook';

/** A part for a chat: the rendered body and its idempotency key (delivery id and part number, ≤ 50 chars). */
export interface ChatPart {
  body: LarkChatBody;
  uuid: string;
}

/**
 * Chat cards are shared (`update_multi`), so an alert's later state can edit them in place, and the
 * last part carries the message's buttons: callbacks (`card.action.trigger`, ./inbound.ts) and the
 * Silence page as a link. https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/patch
 */
export function chatParts(bodies: LarkBody[], deliveryId: string, actions: MessageAction[] = []): ChatPart[] {
  return bodies.map((body, i) => {
    if (body.msg_type !== 'interactive') return { body, uuid: `${deliveryId}-${i}` };
    const buttons: LarkActions['actions'] = [];
    if (i === bodies.length - 1) {
      for (const a of actions) buttons.push({ tag: 'button', text: { tag: 'plain_text', content: a.label }, type: a.kind === 'silence' ? 'danger' : 'default', value: a.value });
      const page = actions.find((a) => a.url);
      if (page?.url) buttons.push({ tag: 'button', text: { tag: 'plain_text', content: 'Silence…' }, type: 'default', url: page.url });
    }
    const card: LarkCardBody<LarkDiv | LarkActions>['card'] = { ...body.card, config: { ...body.card.config, update_multi: true }, elements: buttons.length ? [...body.card.elements, { tag: 'action' as const, actions: buttons }] : body.card.elements };
    return { body: { ...body, card }, uuid: `${deliveryId}-${i}` };
  });
}

/** Lark edits messages sent in the last 14 days (im/v1/message/patch, "仅支持更新 14 天内发送的消息"). */
export const CHAT_EDIT_WINDOW_MS = 14 * 86_400_000;

export async function editInChat(app: LarkApp | undefined, messageId: string, payload: unknown): Promise<Outcome> {
  if (!app) return { ok: false, kind: 'permanent', message: NOT_CONFIGURED };
  const { msgType, content } = toImMessage((payload as ChatPart).body);
  if (msgType !== 'interactive') return { ok: false, kind: 'permanent', message: 'lark: only cards can be edited' };
  return app.edit(messageId, content);
}

export async function sendToChat(app: LarkApp | undefined, target: Target, payload: unknown): Promise<Outcome> {
  if (!app) return { ok: false, kind: 'permanent', message: NOT_CONFIGURED };
  const part = payload as ChatPart;
  const { msgType, content } = toImMessage(part.body);
  return app.send(target.endpoint.slice(LARK_CHAT_PREFIX.length), msgType, content, part.uuid);
}

// ─── What an IM API answer means ────────────────────────────────────────────────────────────────
// Research §2.6 and https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control:
// throttling is HTTP 429 (older APIs 400) with code 99991400 and `x-ogw-ratelimit-reset` seconds.
// The 2300xx codes are from the message-create error table (open.feishu.cn …/im-v1/message/create);
// they are not in our research notes, so an unknown code fails permanently with Lark's own words.

export const IM_RATE_LIMITED = 99991400;
/** "This operation triggers the frequency limit" (per-chat 5 QPS). */
export const IM_CHAT_RATE_LIMITED = 230020;
/** "Bot/User can NOT be out of the chat": the bot was removed from the group. */
export const IM_BOT_NOT_IN_CHAT = 230002;
/** Tenant token invalid or expired: the SDK fetches a fresh one on the next attempt. */
const TOKEN_CODES = new Set([99991661, 99991663, 99991668]);
/** Lark's tightest window for this API is one second (5 QPS per chat). */
export const IM_RETRY_MS = 1_000;

const CREDENTIALS_REFUSED =
  'Lark refused the app credentials: check HERALD_LARK_APP_ID and HERALD_LARK_APP_SECRET (developer console → Credentials)';

const HINTS: Record<number, string> = {
  [IM_BOT_NOT_IN_CHAT]: 'The Herald bot is no longer in this Lark group: add the bot to the group again, or delete this subscription',
  230006: 'The Lark app has no bot: enable the Bot capability in the developer console and publish a new version',
  99991672: 'The Lark app lacks a permission: grant im:message:send_as_bot (and im:message) in the developer console and publish',
};

function header(headers: Record<string, unknown> | undefined, name: string): number | undefined {
  const v = Number(headers?.[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

export function classifyImAnswer(status: number, body: unknown, headers: Record<string, unknown> | undefined): Outcome {
  const answer = (body && typeof body === 'object' ? body : {}) as { code?: unknown; msg?: unknown; data?: { message_id?: string } };
  const code = typeof answer.code === 'number' ? answer.code : undefined;
  const msg = typeof answer.msg === 'string' ? answer.msg : '';
  if (code === 0 && status < 300) return { ok: true, platformMessageId: answer.data?.message_id };
  if (status === 429 || code === IM_RATE_LIMITED || code === IM_CHAT_RATE_LIMITED) {
    const reset = header(headers, 'x-ogw-ratelimit-reset');
    return { ok: false, kind: 'rate-limited', code: code ?? status, message: 'Lark is rate-limiting this app or chat', retryAfterMs: reset ? reset * 1000 : IM_RETRY_MS };
  }
  if (status >= 500) return { ok: false, kind: 'transient', code: code ?? status, message: `Lark answered HTTP ${status}; will retry` };
  if (code !== undefined && TOKEN_CODES.has(code)) {
    return { ok: false, kind: 'transient', code, message: 'Lark refused the tenant access token; will retry with a fresh one' };
  }
  if (code === undefined) return { ok: false, kind: 'transient', code: status, message: `Lark answered HTTP ${status} without a code; will retry` };
  return {
    ok: false,
    kind: 'permanent',
    code,
    message: HINTS[code] ?? `Lark refused the message with code ${code}${msg ? ` (${msg.slice(0, 200)})` : ''}; see https://open.feishu.cn/document/server-docs/im-v1/message/create`,
  };
}

/**
 * ─── RESERVED: the second Lark target kind, `lark-chat:<chat_id>` ───────────────────────────────
 * Subscriptions made by a chat command (`/subscribe <topic>` to the Lark app bot, SPEC "Chat
 * commands") push to the group by `chat_id` through the IM message API of the app
 * (POST /open-apis/im/v1/messages?receive_id_type=chat_id with a tenant access token:
 * https://open.feishu.cn/document/server-docs/im-v1/message/create), not through a webhook.
 *
 * The engineer adding chat commands fills in `sendToChat` (and, if the IM API's limits differ,
 * `chatLimiterKey`). Everything else already routes here: `normalizeEndpoint`, `maskEndpoint`,
 * `limiterKey` and `send` in ./index.ts call these functions for a `lark-chat:` endpoint.
 * Until then a send answers a permanent "not available" outcome.
 * ─────────────────────────────────────────────────────────────────────────────────────────────────
 */
import { createHash } from 'node:crypto';
import { EndpointError, type Outcome, type SendContext, type Target } from '../types.js';

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

export function chatLimiterKey(endpoint: string): string {
  return `lark:chat-${createHash('sha256').update(endpoint).digest('hex').slice(0, 16)}`;
}

/** TODO(chat commands): render the payload for the IM API and send it with the app's tenant token. */
export async function sendToChat(_target: Target, _payload: unknown, _ctx: SendContext): Promise<Outcome> {
  return {
    ok: false,
    kind: 'permanent',
    message: 'Lark chat delivery (lark-chat:<chat_id>) is not available in this Herald build; subscribe the group with a custom bot webhook instead',
  };
}

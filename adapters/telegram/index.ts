/**
 * Telegram bot, outbound: sendMessage to one chat (a group, supergroup, channel or person), in
 * HTML parse mode. The endpoint names the bot token and the chat:
 * `https://api.telegram.org/bot<token>/sendMessage?chat_id=<id>` (optionally `&message_thread_id=<topic>`).
 * The token is the credential. https://core.telegram.org/bots/api#sendmessage (README.md)
 */
import { hashedLimiterKey, jsonWebhookAdapter, parseWebhookUrl } from '../shared/json-webhook.js';
import { EndpointError, type ProtocolDescription, type Target } from '../types.js';
import { classifyTelegram } from './codes.js';
import { renderTelegram } from './render.js';

export const TELEGRAM_HOST = 'api.telegram.org';

/**
 * Bot FAQ: "avoid sending more than one message per second" in a chat, and "not … more than 20
 * messages per minute to the same group" (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
 */
export const TELEGRAM_RATE_WINDOWS = [
  { max: 1, perMs: 1000 },
  { max: 20, perMs: 60_000 },
];

/** `<bot id>:<secret>`, as @BotFather gives it: "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11". */
const TOKEN = /^(\d{3,20}):([A-Za-z0-9_-]{20,100})$/;
const PATH = /^\/bot([^/]+)\/sendMessage\/?$/i;
/** a numeric chat id (groups are negative, supergroups and channels -100…) or a public @channelusername */
const CHAT = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

const ENDPOINT_HELP =
  'A Telegram endpoint is "https://api.telegram.org/bot<token>/sendMessage?chat_id=<id>": the token from @BotFather, ' +
  "the chat's id (a group's is negative; add the bot to the group first)";

/** https://core.telegram.org/bots/features#botfather, https://core.telegram.org/bots/api#sendmessage */
export const TELEGRAM_DESCRIPTION: ProtocolDescription = {
  displayName: 'Telegram',
  summary: 'A Telegram group, channel or person, through your bot (made with @BotFather). No secret, no keyword.',
  color: '#229ed9',
  docsUrl: 'https://core.telegram.org/bots/features#botfather',
  fields: [
    {
      name: 'endpoint',
      label: 'sendMessage URL',
      help: 'Make a bot with @BotFather (/newbot) and copy its token; add the bot to the group (a channel: as an admin). The chat id: send a message in the group, then open https://api.telegram.org/bot<token>/getUpdates and read message.chat.id (groups are negative). Add &message_thread_id=… for a forum topic.',
      required: true,
      secret: false,
      example: 'https://api.telegram.org/bot123456789:…/sendMessage?chat_id=-1001234567890',
    },
  ],
  mentions: { all: false, users: 'Telegram user ids (numbers) or @usernames' },
  // bot<id>:<secret>: redaction takes everything after "/bot" up to the query
  secretParts: [{ in: 'path', after: '/bot' }],
};

export const telegramAdapter = jsonWebhookAdapter({
  protocol: 'telegram',
  describe: TELEGRAM_DESCRIPTION,
  hosts: [TELEGRAM_HOST],
  rateLimits: TELEGRAM_RATE_WINDOWS,
  normalizeEndpoint,
  maskEndpoint,
  limiterKey,
  render(msg, target) {
    // a template preview renders for no chat (endpoint ''): the text is what it shows
    const { chatId, threadId } = target.endpoint ? parse(target.endpoint) : { chatId: '', threadId: undefined };
    return renderTelegram(msg, chatId, threadId);
  },
  // chat_id travels in the body (Bot API methods take parameters from the query or the JSON body)
  postUrl(endpoint) {
    const url = new URL(endpoint);
    url.search = '';
    return url.toString();
  },
  classify: classifyTelegram,
});

interface Parts {
  origin: string;
  token: string;
  botId: string;
  chatId: string;
  threadId?: number;
}

function parse(endpoint: string): Parts {
  const url = parseWebhookUrl(endpoint, ENDPOINT_HELP);
  const m = PATH.exec(url.pathname);
  if (!m) throw new EndpointError(`${ENDPOINT_HELP}; the path must be /bot<token>/sendMessage.`);
  const t = TOKEN.exec(decodeURIComponent(m[1]!));
  if (!t) throw new EndpointError(`${ENDPOINT_HELP}; the bot token is malformed (it looks like 123456789:AA…).`);
  const chatId = (url.searchParams.get('chat_id') ?? '').trim();
  if (!CHAT.test(chatId)) throw new EndpointError(`${ENDPOINT_HELP}; chat_id is missing or malformed.`);
  const thread = url.searchParams.get('message_thread_id');
  if (thread !== null && !/^\d{1,12}$/.test(thread)) throw new EndpointError(`${ENDPOINT_HELP}; message_thread_id must be a topic's number.`);
  return { origin: `${url.protocol}//${url.host}`, token: t[0], botId: t[1]!, chatId, threadId: thread === null ? undefined : Number(thread) };
}

export function normalizeEndpoint(input: string): string {
  const p = parse(input);
  return `${p.origin}/bot${p.token}/sendMessage?chat_id=${encodeURIComponent(p.chatId)}${p.threadId !== undefined ? `&message_thread_id=${p.threadId}` : ''}`;
}

// `https://api.telegram.org/bot123456:***/sendMessage?chat_id=-1001234`: the bot id and the chat, never the token secret.
export function maskEndpoint(endpoint: string): string {
  try {
    const p = parse(endpoint);
    return `${p.origin}/bot${p.botId}:***/sendMessage?chat_id=${p.chatId}${p.threadId !== undefined ? `&message_thread_id=${p.threadId}` : ''}`;
  } catch {
    return '***';
  }
}

/** One limiter per bot and chat (Telegram's limits are per chat), keyed by a hash, never the token. */
export function limiterKey(target: Target): string {
  let identity = target.endpoint;
  try {
    const p = parse(target.endpoint);
    identity = `${p.botId}/${p.chatId}`;
  } catch {}
  return hashedLimiterKey('telegram', identity);
}

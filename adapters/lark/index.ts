/**
 * Lark/Feishu custom bot (自定义机器人), outbound: one group, one webhook URL whose last path segment
 * is the token, an optional signing secret and optional custom keywords (research §2).
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Adapter, type AdapterFactory, EndpointError, type PlatformConfig, type ProtocolDescription } from '../types.js';
import { CHAT_EDIT_WINDOW_MS, chatLimiterKey, chatParts, createLarkApp, editInChat, isChatEndpoint, normalizeChatEndpoint, sendToChat } from './chat.js';
import { classifyLarkAnswer } from './codes.js';
import { createLarkInbound } from './inbound.js';
import { type LarkBody, renderLark } from './render.js';
import { signatureAt } from './sign.js';

/** Research §2.1: Feishu (China) and Lark (international) hosts. */
export const LARK_HOSTS = ['open.feishu.cn', 'open.larksuite.com'] as const;

/**
 * Research §2.5: "100 requests/min and 5 requests/s per bot" — both windows hold, or Lark answers 11232.
 * SPEC "Config keys": platforms.lark.rateLimits defaults.
 */
export const LARK_DEFAULTS: PlatformConfig = {
  rateLimits: [
    { max: 100, perMs: 60_000 },
    { max: 5, perMs: 1_000 },
  ],
};

/** Research §2.1: `/open-apis/bot/v2/hook/{token}`; tokens are UUID-like. */
const HOOK_PATH = /^\/open-apis\/bot\/v2\/hook\/([A-Za-z0-9_-]{8,128})\/?$/;

const ENDPOINT_HELP =
  "A Lark endpoint is the custom bot's webhook URL, https://open.feishu.cn/open-apis/bot/v2/hook/<token> " +
  '(or open.larksuite.com): in the group, open Settings → Bots → the custom bot and copy its webhook address.';

function parseHook(endpoint: string): { url: URL; token: string } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  const match = HOOK_PATH.exec(url.pathname);
  return match ? { url, token: match[1]! } : undefined;
}

/** Validate and canonicalise a webhook URL (any http(s) host; the core checks which hosts are allowed). */
export function normalizeLarkEndpoint(endpoint: string): string {
  const raw = endpoint.trim();
  if (isChatEndpoint(raw)) return normalizeChatEndpoint(raw);
  const hook = parseHook(raw);
  if (!hook) throw new EndpointError(ENDPOINT_HELP);
  return `${hook.url.protocol}//${hook.url.host}/open-apis/bot/v2/hook/${hook.token}`;
}

const maskToken = (token: string): string =>
  token.length > 12 ? `${token.slice(0, 4)}…${token.slice(-4)}` : '****';

/** `https://open.feishu.cn/open-apis/bot/v2/hook/5e3d…86fd`: never the whole token. */
export function maskLarkEndpoint(endpoint: string): string {
  if (isChatEndpoint(endpoint)) return `lark-chat:${maskToken(endpoint.slice('lark-chat:'.length))}`;
  const hook = parseHook(endpoint);
  if (!hook) return 'lark:****';
  return `${hook.url.protocol}//${hook.url.host}/open-apis/bot/v2/hook/${maskToken(hook.token)}`;
}

/** One limiter per bot: Lark counts per tenant and bot, and the token names the bot (research §2.5). */
export function larkLimiterKey(endpoint: string): string {
  if (isChatEndpoint(endpoint)) return chatLimiterKey(endpoint);
  const hook = parseHook(endpoint);
  const identity = hook ? `${hook.url.host}/${hook.token}` : endpoint;
  return `lark:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

/** `platforms.lark`: the app bot (chat commands, `lark-chat:` targets); without appId and appSecret it is off. */
export const larkConfig = z.strictObject({
  appId: z.string().min(1).optional().describe('HERALD_LARK_APP_ID'),
  appSecret: z.string().min(1).optional().describe('HERALD_LARK_APP_SECRET'),
  encryptKey: z.string().min(1).optional().describe('HERALD_LARK_ENCRYPT_KEY: decrypts event callbacks'),
  verificationToken: z.string().min(1).optional().describe('HERALD_LARK_VERIFICATION_TOKEN'),
  apiBase: z
    .url({ protocol: /^https?$/ })
    .default('https://open.feishu.cn')
    .describe("the SDK's domain: https://open.feishu.cn or https://open.larksuite.com"),
  mode: z.enum(['webhook', 'websocket']).default('webhook').describe('events by HTTP callback at /v1/callbacks/lark, or the SDK long connection'),
});

/** https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot */
export const LARK_DESCRIPTION: ProtocolDescription = {
  displayName: 'Lark (Feishu)',
  summary: 'A Lark or Feishu group’s custom bot.',
  color: '#00a68a',
  docsUrl: 'https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot',
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook address',
      help: 'In the group: Settings → Bots → Add Bot → Custom Bot. Lark shows the webhook address once the bot is added (open.feishu.cn or open.larksuite.com).',
      required: true,
      secret: false,
      example: 'https://open.feishu.cn/open-apis/bot/v2/hook/…',
    },
    {
      name: 'secret',
      label: 'Signing secret',
      help: 'Security settings → Set signature verification (签名校验): copy the secret.',
      required: false,
      secret: true,
      example: 'ZHk3…',
    },
    {
      name: 'keyword',
      label: 'Keyword',
      help: 'Security settings → Custom keywords: one of them. Herald puts it in every message.',
      required: false,
      secret: false,
      example: 'alert',
    },
  ],
  mentions: { all: true, users: 'Open IDs (ou_…) or user IDs' },
  secretParts: [
    { in: 'path', after: '/open-apis/bot/v2/hook/' },
    { in: 'path', after: 'lark-chat:' },
  ],
  // lark_md: **bold**, [link](url), <font color> (green, red, grey):
  // https://open.feishu.cn/document/common-capabilities/message-card/message-cards-content/using-markdown-tags
  dialect: {
    br: '\n',
    bold: '**{text}**',
    link: '[{text}]({url})',
    firing: "<font color='red'>**{text}**</font>",
    resolved: "<font color='green'>**{text}**</font>",
    note: "<font color='grey'>{text}</font>",
  },
  callbacks: [
    {
      method: 'post',
      path: '',
      operationId: 'larkEvents',
      summary: "Lark event subscription (im.message.receive_v1), verified with the app's keys",
    },
  ],
};

export const larkAdapter: AdapterFactory = {
  protocol: 'lark',
  describe: LARK_DESCRIPTION,
  config: larkConfig,
  defaults: LARK_DEFAULTS,
  env: {
    HERALD_LARK_APP_ID: { key: 'appId' },
    HERALD_LARK_APP_SECRET: { key: 'appSecret', secret: true },
    HERALD_LARK_ENCRYPT_KEY: { key: 'encryptKey', secret: true },
    HERALD_LARK_VERIFICATION_TOKEN: { key: 'verificationToken', secret: true },
  },
  create(deps): Adapter {
    // The app bot (chat commands, `lark-chat:` targets) when HERALD_LARK_APP_ID/_APP_SECRET are set.
    const app = createLarkApp(deps.config, deps.log);
    return {
      protocol: 'lark',
      displayName: LARK_DESCRIPTION.displayName,
      allowedHosts: LARK_HOSTS,
      normalizeEndpoint: normalizeLarkEndpoint,
      maskEndpoint: maskLarkEndpoint,
      limiterKey: (target) => larkLimiterKey(target.endpoint),
      render: (msg, target) =>
        isChatEndpoint(target.endpoint) ? chatParts(renderLark(msg, target), msg.deliveryId, msg.actions) : renderLark(msg, target),
      // Custom bots cannot edit what they sent; the app bot edits its chat cards for 14 days.
      editWindowMs: (target) => (isChatEndpoint(target.endpoint) && app ? CHAT_EDIT_WINDOW_MS : 0),
      edit: (_target, messageId, payload) => editInChat(app, messageId, payload),
      async send(target, payload, ctx) {
        // Groups subscribed by a chat command: the app's IM API, see ./chat.ts.
        if (isChatEndpoint(target.endpoint)) return sendToChat(app, target, payload);
        // Signed at send time, not render time: a retry an hour later still needs a fresh timestamp.
        const body = target.secret ? { ...signatureAt(target.secret, ctx.now()), ...(payload as LarkBody) } : payload;
        const res = await ctx.http.post(target.endpoint, JSON.stringify(body));
        const outcome = classifyLarkAnswer(res);
        if (!outcome.ok) {
          ctx.log.debug('lark: delivery refused', {
            target: maskLarkEndpoint(target.endpoint),
            status: res.status,
            kind: outcome.kind,
            code: outcome.code,
          });
        }
        return outcome;
      },
      inbound: (hub) => (app ? createLarkInbound(hub, app, deps.log) : undefined),
    };
  },
};

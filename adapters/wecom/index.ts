/**
 * WeCom group robot (群机器人, "消息推送" since 2025), outbound: one POST per payload to the robot's
 * webhook. No signing, no keyword, no IP allowlist: the key in the URL is the only credential.
 * https://developer.work.weixin.qq.com/document/path/91770 (research/platforms-outbound.md §3)
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Adapter, type AdapterDeps, type AdapterFactory, EndpointError, type PlatformConfig, type ProtocolDescription, type Target } from '../types.js';
import { classifyAnswer } from './codes.js';
import { createWecomInbound } from './inbound.js';
import { renderWecom } from './render.js';

export const WECOM_HOST = 'qyapi.weixin.qq.com';
/** `POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` (research §3.1). */
export const SEND_PATH = '/cgi-bin/webhook/send';
export const DEFAULT_WEBHOOK_BASE = `https://${WECOM_HOST}`;

/** "每个机器人发送的消息不能超过20条/分钟" (research §3.4). */
export const WECOM_RATE_WINDOW = { max: 20, perMs: 60_000 };

/** The key is UUID-like, e.g. 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa (research §3.1); shape kept loose. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/;

const ENDPOINT_HELP =
  'A WeCom endpoint is the group robot\'s webhook URL, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…", ' +
  'or just its key: copy it from the group (… → Group Robot → the robot)';

/** `platforms.wecom`: where a bare key is sent, and the AI bot's callback keys (chat commands; both or neither). */
export const wecomConfig = z.strictObject({
  webhookBase: z.url({ protocol: /^https?$/ }).default(DEFAULT_WEBHOOK_BASE).describe('where an endpoint given as a bare key is sent'),
  token: z.string().min(1).optional().describe("the AI bot's callback Token (HERALD_WECOM_TOKEN)"),
  encodingAesKey: z.string().min(1).optional().describe("the AI bot's 43-character EncodingAESKey (HERALD_WECOM_ENCODING_AES_KEY)"),
});

/** https://developer.work.weixin.qq.com/document/path/91770 */
export const WECOM_DESCRIPTION: ProtocolDescription = {
  displayName: 'WeCom',
  summary: 'A WeCom (企业微信) group robot. It has no secret and no keyword.',
  color: '#2b7a4b',
  docsUrl: 'https://developer.work.weixin.qq.com/document/path/91770',
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL or key',
      help: 'In the group chat: settings icon (top right) → Group Robot (群机器人) → Add Group Robot → New. Copy the webhook URL, or just the key after "key=". Later, click the robot in the group to see it again.',
      required: true,
      secret: false,
      example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
    },
  ],
  mentions: { all: true, mobiles: 'Phone numbers', users: 'WeCom userids' },
  secretParts: [{ in: 'query', name: 'key' }],
  // WeCom markdown: <font color="info|comment|warning">
  dialect: {
    br: '\n',
    bold: '**{text}**',
    link: '[{text}]({url})',
    firing: '<font color="warning">**{text}**</font>',
    resolved: '<font color="info">**{text}**</font>',
    note: '<font color="comment">{text}</font>',
  },
  callbacks: [
    { method: 'get', path: '', operationId: 'wecomVerifyUrl', summary: 'WeCom AI bot URL verification (echostr)' },
    { method: 'post', path: '', operationId: 'wecomMessages', summary: 'WeCom AI bot messages, verified and decrypted with @wecom/crypto' },
  ],
};

export const wecomAdapter: AdapterFactory = {
  protocol: 'wecom',
  describe: WECOM_DESCRIPTION,
  config: wecomConfig,
  defaults: { rateLimits: [WECOM_RATE_WINDOW] },
  env: {
    HERALD_WECOM_TOKEN: { key: 'token', secret: true },
    HERALD_WECOM_ENCODING_AES_KEY: { key: 'encodingAesKey', secret: true },
  },
  create(deps: AdapterDeps): Adapter {
    const base = webhookBase(deps.config);
    const adapter: Adapter = {
      protocol: 'wecom',
      displayName: WECOM_DESCRIPTION.displayName,
      allowedHosts: [WECOM_HOST],
      normalizeEndpoint: (endpoint) => normalizeEndpoint(endpoint, base),
      maskEndpoint,
      limiterKey,
      render: (msg) => renderWecom(msg),
      async send(target, payload, ctx) {
        // Content-Type application/json (set by the HttpClient) is required: others get HTTP 415 (research §3.1).
        const res = await ctx.http.post(target.endpoint, JSON.stringify(payload));
        return classifyAnswer(res);
      },
      // Chat commands through an AI bot in API mode (adapters/wecom/inbound.ts); off without its Token.
      inbound: (hub) => createWecomInbound(adapter, deps, hub),
    };
    return adapter;
  },
};

function webhookBase(config: PlatformConfig): string {
  const v = config.webhookBase;
  const base = typeof v === 'string' && v.trim() ? v.trim() : DEFAULT_WEBHOOK_BASE;
  return base.replace(/\/+$/, '');
}

/**
 * A bare key becomes `<base>/cgi-bin/webhook/send?key=KEY`; a URL must be http(s) with that path and a
 * `key` query parameter (any host: the core decides which hosts are allowed). Canonical form keeps only the key.
 */
export function normalizeEndpoint(input: string, base: string = DEFAULT_WEBHOOK_BASE): string {
  const raw = input.trim();
  if (KEY.test(raw)) return `${base}${SEND_PATH}?key=${raw}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EndpointError(`${ENDPOINT_HELP}; this is neither a URL nor a key.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError(`${ENDPOINT_HELP}; use https.`);
  if (url.username || url.password) throw new EndpointError(`${ENDPOINT_HELP}; a user name or password has no place in it.`);
  if (url.pathname.replace(/\/+$/, '') !== SEND_PATH) throw new EndpointError(`${ENDPOINT_HELP}; the path must be ${SEND_PATH}.`);
  const key = url.searchParams.get('key') ?? '';
  if (!KEY.test(key)) throw new EndpointError(`${ENDPOINT_HELP}; its key is missing or malformed.`);
  return `${url.protocol}//${url.host}${SEND_PATH}?key=${key}`;
}

/** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…5aaa`: never the whole key. */
export function maskEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}?key=${maskSecret(url.searchParams.get('key') ?? '')}`;
  } catch {
    return KEY.test(endpoint.trim()) ? maskSecret(endpoint.trim()) : '***';
  }
}

/** First and last 4 characters; short values are hidden entirely. */
function maskSecret(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 4)}…${value.slice(-4)}` : '***';
}

/** One limiter per robot (its key is its identity), keyed by a short hash, never the key. */
export function limiterKey(target: Target): string {
  let identity = target.endpoint;
  try {
    identity = new URL(target.endpoint).searchParams.get('key') || target.endpoint;
  } catch {
    // not a URL: hash it as given
  }
  return `wecom:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

/**
 * DingTalk custom group robot (自定义机器人), outbound: one POST per payload to the robot's webhook,
 * signed when the robot has a secret ("加签").
 * https://open.dingtalk.com/document/robots/custom-robot-access (research/platforms-outbound.md §1)
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Adapter, type AdapterFactory, EndpointError, type ProtocolDescription, type Target } from '../types.js';
import { createAppRobot, isAppTarget } from './app-robot.js';
import { CARD_EDIT_WINDOW_MS, STANDARD_CARD } from './cards.js';
import { classifyAnswer } from './codes.js';
import { createDingtalkInbound } from './inbound.js';
import { type DingtalkPayload, renderDingtalk } from './render.js';
import { signEndpoint } from './sign.js';

export const DINGTALK_HOST = 'oapi.dingtalk.com';
const SEND_PATH = '/robot/send';

/** "Each bot can send up to 20 chats per minute to a group" (research §1.5); exceeding it silences the robot for 10 minutes. */
export const DINGTALK_RATE_WINDOW = { max: 20, perMs: 60_000 };

/**
 * Second target kind, for groups subscribed by chat command through a DingTalk app robot (Stream mode):
 * `dingtalk-app:<robotCode>/<openConversationId>`, pushed with the robot group-message API
 * (POST {apiBase}/v1.0/robot/groupMessages/send, https://open.dingtalk.com/document/orgapp/the-robot-sends-a-group-message).
 * Rendered and sent by app-robot.ts (access token from clientId/clientSecret, msgKey sampleMarkdown/
 * sampleText built from the same DingtalkPayload); commands arrive through inbound.ts (Stream mode).
 */
export const APP_TARGET_PREFIX = 'dingtalk-app:';
const APP_TARGET = /^dingtalk-app:([A-Za-z0-9_.-]+)\/([A-Za-z0-9+/=_.$-]+)$/;

const TOKEN = /^[A-Za-z0-9_-]+$/;

const ENDPOINT_HELP =
  'A DingTalk endpoint is the custom robot\'s webhook URL, "https://oapi.dingtalk.com/robot/send?access_token=…": ' +
  'copy it from the group settings (bots → the custom robot)';

/** `platforms.dingtalk`: the app robot's credentials (chat commands, `dingtalk-app:` targets) and where its APIs are. */
export const dingtalkConfig = z.strictObject({
  apiBase: z
    .url({ protocol: /^https?$/ })
    .default('https://api.dingtalk.com')
    .describe('Stream gateway, access token and robot group-message API (app robot, chat commands)'),
  clientId: z.string().min(1).optional().describe("the DingTalk app's AppKey (HERALD_DINGTALK_CLIENT_ID)"),
  clientSecret: z.string().min(1).optional().describe("the DingTalk app's AppSecret (HERALD_DINGTALK_CLIENT_SECRET)"),
  cardTemplateId: z
    .string()
    .min(1)
    .max(128)
    .default(STANDARD_CARD)
    .describe(
      'alert cards in app-robot groups: StandardCard (built in, a Silence… link) or a card-platform template id (Silence 1h and Ack buttons over Stream mode)',
    ),
});

/** https://open.dingtalk.com/document/robots/custom-robot-access: where the group admin finds each value. */
export const DINGTALK_DESCRIPTION: ProtocolDescription = {
  displayName: 'DingTalk',
  summary: 'A DingTalk group’s custom robot (自定义机器人).',
  color: '#1677ff',
  docsUrl: 'https://open.dingtalk.com/document/robots/custom-robot-access',
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL',
      help: 'In the group: Group Settings → Bots (机器人) → Add Robot → Custom. After choosing its security settings, copy the webhook URL it shows.',
      required: true,
      secret: false,
      example: 'https://oapi.dingtalk.com/robot/send?access_token=…',
    },
    {
      name: 'secret',
      label: 'Signing secret',
      help: 'Security settings → Sign (加签): the secret starting with SEC. Recommended.',
      required: false,
      secret: true,
      example: 'SEC…',
    },
    {
      name: 'keyword',
      label: 'Keyword',
      help: 'Security settings → Custom keywords (自定义关键词): one of them. Herald puts it in every message.',
      required: false,
      secret: false,
      example: 'alert',
    },
  ],
  mentions: { all: true, mobiles: 'Phone numbers of group members', users: 'DingTalk userIds' },
  secretParts: [
    { in: 'query', name: 'access_token' },
    { in: 'path', after: 'dingtalk-app:' },
  ],
  // DingTalk markdown: headings, bold, links, quotes; no colours; a line break needs a blank line.
  dialect: { br: '\n\n', bold: '**{text}**', link: '[{text}]({url})', firing: '**{text}**', resolved: '**{text}**', note: '> {text}' },
};

export const dingtalkAdapter: AdapterFactory = {
  protocol: 'dingtalk',
  describe: DINGTALK_DESCRIPTION,
  config: dingtalkConfig,
  defaults: { rateLimits: [DINGTALK_RATE_WINDOW] },
  env: {
    HERALD_DINGTALK_CLIENT_ID: { key: 'clientId' },
    HERALD_DINGTALK_CLIENT_SECRET: { key: 'clientSecret', secret: true },
  },
  create(deps): Adapter {
    const app = createAppRobot(deps.config);
    return {
      protocol: 'dingtalk',
      displayName: DINGTALK_DESCRIPTION.displayName,
      allowedHosts: [DINGTALK_HOST],
      normalizeEndpoint,
      maskEndpoint,
      limiterKey,
      render: (msg, target) => (isAppTarget(target.endpoint) ? app.render(msg, target) : renderDingtalk(msg, target)),
      // Custom robots cannot edit what they sent; the app robot edits its alert cards.
      editWindowMs: (target) => (isAppTarget(target.endpoint) && app.configured ? CARD_EDIT_WINDOW_MS : 0),
      edit: (_target, platformMessageId, payload, ctx) => app.edit(platformMessageId, payload, ctx),
      async send(target, payload, ctx) {
        if (target.endpoint.startsWith(APP_TARGET_PREFIX)) return app.send(target, payload, ctx);
        const url = target.secret ? signEndpoint(target.endpoint, target.secret, ctx.now()) : target.endpoint;
        const res = await ctx.http.post(url, JSON.stringify(payload as DingtalkPayload));
        return classifyAnswer(res);
      },
      inbound: (hub) => createDingtalkInbound(deps, hub),
    };
  },
};

/** Any http(s) URL with path /robot/send and an access_token; canonical form keeps only the token. */
export function normalizeEndpoint(input: string): string {
  const raw = input.trim();
  if (raw.startsWith(APP_TARGET_PREFIX)) {
    if (!APP_TARGET.test(raw)) {
      throw new EndpointError('A DingTalk app-robot target is "dingtalk-app:<robotCode>/<openConversationId>".');
    }
    return raw;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EndpointError(`${ENDPOINT_HELP}; this is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError(`${ENDPOINT_HELP}; use https.`);
  if (url.username || url.password) throw new EndpointError(`${ENDPOINT_HELP}; a user name or password has no place in it.`);
  if (url.pathname.replace(/\/+$/, '') !== SEND_PATH) {
    throw new EndpointError(`${ENDPOINT_HELP}; the path must be ${SEND_PATH}.`);
  }
  const token = url.searchParams.get('access_token') ?? '';
  if (!TOKEN.test(token)) throw new EndpointError(`${ENDPOINT_HELP}; its access_token is missing or malformed.`);
  return `${url.protocol}//${url.host}${SEND_PATH}?access_token=${token}`;
}

/** `https://oapi.dingtalk.com/robot/send?access_token=1a2b…9z0y`: never the whole token. */
export function maskEndpoint(endpoint: string): string {
  const app = APP_TARGET.exec(endpoint);
  if (app) return `${APP_TARGET_PREFIX}${app[1]}/${maskSecret(app[2]!)}`;
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}?access_token=${maskSecret(url.searchParams.get('access_token') ?? '')}`;
  } catch {
    return '***';
  }
}

/** First and last 4 characters; short values are hidden entirely. */
function maskSecret(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 4)}…${value.slice(-4)}` : '***';
}

/** One limiter per robot (the token is the robot's identity), keyed by a short hash, never the token. */
export function limiterKey(target: Target): string {
  const app = APP_TARGET.exec(target.endpoint);
  const identity = app ? `app:${app[1]}/${app[2]}` : (new URL(target.endpoint).searchParams.get('access_token') ?? target.endpoint);
  return `dingtalk:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

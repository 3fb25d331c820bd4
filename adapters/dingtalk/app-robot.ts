/**
 * Pushing to a group subscribed by chat command: the app robot's group-message API, with the app's
 * access token (research/platforms-inbound.md §1.5).
 * POST {apiBase}/v1.0/robot/groupMessages/send — https://open.dingtalk.com/document/orgapp/the-robot-sends-a-group-message
 * POST {apiBase}/v1.0/oauth2/accessToken — https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
 * Target: `dingtalk-app:<robotCode>/<openConversationId>`.
 */
import { splitText } from '../shared/split.js';
import type { HttpClient, HttpResult, OutboundMessage, Outcome, SendContext, Target } from '../types.js';
import { type CardPart, editCard, isAlertMessage, isCardPart, renderCard, STANDARD_CARD, sendCard } from './cards.js';
import { RATE_LIMITED_RETRY_MS } from './codes.js';
import { type DingtalkPayload, renderDingtalk } from './render.js';

/** "msgParam … The length must not exceed 15,000 bytes." */
export const APP_MSG_PARAM_MAX_BYTES = 15_000;
/** A token is fetched again this long before DingTalk says it expires (the Python SDK's margin, §1.5). */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/** Used when the token answer has no usable `expireIn` (DingTalk issues 7200 s tokens). */
const DEFAULT_TOKEN_TTL_S = 7200;
/** Room for the title, the marker and JSON framing of msgParam, measured again after splitting. */
const MAX_FIT_ROUNDS = 20;

const APP_TARGET = /^dingtalk-app:([A-Za-z0-9_.-]+)\/([A-Za-z0-9+/=_.$-]+)$/;

export interface AppRobotPayload {
  msgKey: 'sampleMarkdown' | 'sampleText';
  /** a JSON string, as the API wants it */
  msgParam: string;
}

/** `platforms.dingtalk`: clientId, clientSecret (HERALD_DINGTALK_CLIENT_ID / _SECRET), apiBase. */
export type AppRobotConfig = Readonly<Record<string, unknown>>;

/** What render hands to send: a message of the group-message API, or an alert's card (./cards.ts). */
export type AppRobotPart = AppRobotPayload | CardPart;

const CREDENTIALS_MISSING =
  'pushing to a DingTalk app-robot group needs the app credentials: set HERALD_DINGTALK_CLIENT_ID and HERALD_DINGTALK_CLIENT_SECRET';
const PERMISSION_HINT =
  'the DingTalk app may not send group messages: grant it the permission qyapi_robot_sendmsg (企业内机器人发送消息权限) in the developer console';

/** Error codes of the group-message API (help.dingtalk.io "the robot sends a group message"), what to do about them. */
const PERMANENT_HINTS: [RegExp, string][] = [
  [/robotCode|token对应机器人不存在/i, 'the robot is not in this group any more (or its robot code changed): add it and send /subscribe again'],
  [/openConversationId/i, 'DingTalk does not know this group (dissolved?): remove the subscription'],
  [/bot\.stopped/i, 'the robot is disabled in this group: enable it in the group settings'],
  [/msgParam|msgKey|param\.invalid/i, 'DingTalk refused the message format (a Herald bug: please report it)'],
  [/AccessDenied|Forbidden|permission/i, PERMISSION_HINT],
];
/** UNCONFIRMED codes (research §5): the API gateway's flow-control answers, matched by their family names. */
const RATE_CODE = /QpsLimit|Throttl|flowControl|限流|频繁/i;

export function isAppTarget(endpoint: string): boolean {
  return APP_TARGET.test(endpoint);
}

export function createAppRobot(config: AppRobotConfig) {
  const clientId = typeof config.clientId === 'string' ? config.clientId : '';
  const clientSecret = typeof config.clientSecret === 'string' ? config.clientSecret : '';
  const apiBase = String(config.apiBase ?? 'https://api.dingtalk.com').replace(/\/+$/, '');
  const cardTemplateId = typeof config.cardTemplateId === 'string' && config.cardTemplateId ? config.cardTemplateId : STANDARD_CARD;
  let cached: { token: string; refreshAt: number } | undefined;
  let inflight: Promise<string | Outcome> | undefined;

  /** The cached token, or a fresh one; an Outcome when DingTalk would not issue one. */
  async function token(http: HttpClient, now: number): Promise<string | Outcome> {
    if (cached && now < cached.refreshAt) return cached.token;
    inflight ??= fetchToken(http, now).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function fetchToken(http: HttpClient, now: number): Promise<string | Outcome> {
    const res = await http.post(`${apiBase}/v1.0/oauth2/accessToken`, JSON.stringify({ appKey: clientId, appSecret: clientSecret }));
    const body = parse(res.body);
    if (res.status === 200 && typeof body?.accessToken === 'string' && body.accessToken) {
      const ttl = Number(body.expireIn) > 0 ? Number(body.expireIn) : DEFAULT_TOKEN_TTL_S;
      cached = { token: body.accessToken, refreshAt: now + Math.max(ttl * 1000 - TOKEN_REFRESH_MARGIN_MS, ttl * 500) };
      return cached.token;
    }
    if (res.status === 429 || res.status >= 500) {
      return { ok: false, kind: 'transient', code: res.status, message: `DingTalk could not issue an access token (HTTP ${res.status})` };
    }
    const code = String(body?.code ?? res.status);
    return {
      ok: false,
      kind: 'permanent',
      code,
      message: `DingTalk refused the app credentials (${code}): check HERALD_DINGTALK_CLIENT_ID and HERALD_DINGTALK_CLIENT_SECRET`,
    };
  }

  return {
    /** The app's credentials are set: it can send, and edit its cards. */
    configured: !!clientId && !!clientSecret,

    /**
     * An alert group is one card (./cards.ts) when it fits; anything else has the custom robot's look
     * (renderDingtalk), split so each msgParam fits 15,000 bytes.
     */
    render(msg: OutboundMessage, target: Target): AppRobotPart[] {
      const card = isAlertMessage(msg) ? renderCard(msg) : undefined;
      if (card) return [card];
      let budget = APP_MSG_PARAM_MAX_BYTES - 1_000;
      for (let round = 0; round < MAX_FIT_ROUNDS && budget > 0; round++) {
        const chunks = Buffer.byteLength(msg.text, 'utf8') <= budget ? [msg.text] : splitText(msg.text, budget);
        // Mentions notify once: with the first part only.
        const payloads = chunks.flatMap((text, i) =>
          renderDingtalk({ ...msg, text, mentions: i === 0 ? msg.mentions : {} }, target).map(toAppPayload),
        );
        const worst = Math.max(...payloads.map((p) => Buffer.byteLength(p.msgParam, 'utf8')));
        if (worst <= APP_MSG_PARAM_MAX_BYTES) return payloads;
        budget = Math.floor((budget * APP_MSG_PARAM_MAX_BYTES) / worst) - 100;
      }
      throw new Error('DingTalk: the title alone leaves no room for the text under 15000 bytes');
    },

    async send(target: Target, payload: unknown, ctx: SendContext): Promise<Outcome> {
      const m = APP_TARGET.exec(target.endpoint);
      if (!m) return { ok: false, kind: 'permanent', message: 'not a DingTalk app-robot target' };
      if (isCardPart(payload)) return sendCard(this, ctx, cardTemplateId, m[1]!, m[2]!, payload);
      const p = payload as AppRobotPayload;
      const body = JSON.stringify({ msgKey: p.msgKey, msgParam: p.msgParam, openConversationId: m[2], robotCode: m[1] });
      return this.call(ctx, 'post', '/v1.0/robot/groupMessages/send', body, classifyGroupSend);
    },

    /** Replaces a card this robot sent (its platformMessageId) with the alerts' new state. */
    edit(platformMessageId: string, payload: unknown, ctx: SendContext): Promise<Outcome> {
      return editCard(this, ctx, platformMessageId, payload);
    },

    /**
     * One call to an api.dingtalk.com API with the app's access token; a token DingTalk calls invalid
     * is dropped, so the retry fetches a new one.
     */
    async call(ctx: SendContext, method: 'post' | 'put', path: string, body: string, classify: (res: HttpResult) => Outcome): Promise<Outcome> {
      if (!clientId || !clientSecret) return { ok: false, kind: 'permanent', message: CREDENTIALS_MISSING };
      const got = await token(ctx.http, ctx.now());
      if (typeof got !== 'string') return got;
      const headers = { 'x-acs-dingtalk-access-token': got };
      const url = `${apiBase}${path}`;
      if (method === 'put' && !ctx.http.put) return { ok: false, kind: 'permanent', message: 'this HTTP client cannot PUT' };
      const res = method === 'put' ? await ctx.http.put!(url, body, headers) : await ctx.http.post(url, body, headers);
      const outcome = classify(res);
      if (!outcome.ok && outcome.code === 'InvalidAuthentication' && cached?.token === got) cached = undefined;
      return outcome;
    },
  };
}

/** Custom-robot body → group-message API template: markdown → sampleMarkdown, text → sampleText. */
function toAppPayload(p: DingtalkPayload): AppRobotPayload {
  return p.msgtype === 'markdown'
    ? { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: p.markdown.title, text: p.markdown.text }) }
    : { msgKey: 'sampleText', msgParam: JSON.stringify({ content: p.text.content }) };
}

/** Success is `{processQueryKey}`; errors are HTTP 4xx/5xx with `{code, message, requestid}`. */
export function classifyGroupSend(res: HttpResult): Outcome {
  const body = parse(res.body);
  if (res.status === 200 && typeof body?.processQueryKey === 'string') return { ok: true, platformMessageId: body.processQueryKey };
  return classifyApiFailure(res);
}

/** An api.dingtalk.com answer that is not a success: `{code, message, requestid}` with HTTP 4xx/5xx. */
export function classifyApiFailure(res: HttpResult): Outcome & { ok: false } {
  const body = parse(res.body);
  const code = typeof body?.code === 'string' && body.code ? body.code : res.status;
  const said = String(body?.message ?? '').slice(0, 200);
  const reason = `${code}${said ? `: ${said}` : ''}`;
  if (res.status === 429 || RATE_CODE.test(`${code} ${said}`)) {
    const s = Number(res.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(s) && s > 0 ? s * 1000 : RATE_LIMITED_RETRY_MS;
    return { ok: false, kind: 'rate-limited', code, message: `DingTalk is rate-limiting this robot (${reason})`, retryAfterMs };
  }
  if (code === 'InvalidAuthentication') {
    // The cached token was revoked or expired early: the next attempt fetches a new one.
    return { ok: false, kind: 'transient', code, message: 'DingTalk refused the access token; a new one is fetched for the retry' };
  }
  if (res.status >= 500 || code === 'systemError' || res.status === 200) {
    return { ok: false, kind: 'transient', code, message: `DingTalk answered ${reason}` };
  }
  const hint = PERMANENT_HINTS.find(([re]) => re.test(String(code)))?.[1] ?? 'DingTalk refused the message';
  return { ok: false, kind: 'permanent', code, message: `${hint} (DingTalk: ${reason})` };
}

export function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a Lark/Feishu custom-bot answer means. Success is read from the body (`code`, or the legacy
 * `StatusCode` older bots still send), never from the HTTP status alone: Lark answers most errors
 * with HTTP 200 and 9499 with HTTP 400. Research §2.5-2.6 (codes, sample bodies, statuses).
 */
import { jsonObject, retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/** Research §2.6: `{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}`. */
export const CODE_TOKEN_INVALID = 19001;
/** Issue "Platform adapters": 19002 is the other "invalid webhook" answer; same remedy as 19001. */
export const CODE_WEBHOOK_INVALID = 19002;
/** Research §2.3: bad/missing sign or timestamp outside ±1 h, all one code. */
export const CODE_SIGN_FAILED = 19021;
/** Research §2.2: caller IP not in the bot's allowlist. */
export const CODE_IP_NOT_ALLOWED = 19022;
/** Research §2.2: none of the bot's custom keywords is in the message. */
export const CODE_KEYWORD_MISSING = 19024;
/** Research §2.5: `{"code":11232,"msg":"frequency limited psm[...]"}` with HTTP 200. */
export const CODE_FREQUENCY_LIMITED = 11232;
/** Research §2.5-2.6: "Bad Request" (bad JSON, bad shape, body > 20 KB) and, seen 2023, "too many request". */
export const CODE_BAD_REQUEST = 9499;

/**
 * Lark states no Retry-After; its tightest window is 5 requests per second (research §2.5), so one
 * second always lets the per-second window slide. The core's limiter keeps the 100/min window.
 */
export const RATE_LIMIT_RETRY_MS = 1_000;

const PERMANENT_HINTS: Record<number, string> = {
  [CODE_TOKEN_INVALID]:
    'Lark does not know this webhook: the custom bot was removed or the URL is mistyped; copy the webhook URL from the group settings again',
  [CODE_WEBHOOK_INVALID]:
    'Lark says the webhook is invalid: the custom bot was removed or disabled; add it again and update the subscription endpoint',
  [CODE_SIGN_FAILED]:
    "Lark refused the signature: check the bot's signing secret (签名校验) in the subscription, and that this host's clock is right (within 1 hour)",
  [CODE_IP_NOT_ALLOWED]:
    "Lark refused this server's IP: add Herald's outgoing IP to the bot's IP allowlist, or turn the allowlist off",
  [CODE_KEYWORD_MISSING]:
    "Lark did not find the bot's custom keyword: set the subscription's keyword to one of the keywords configured on the bot",
};

const TOO_LARGE =
  'Lark refused the request body as too large (limit 20 KB); Herald splits long messages, so report this as a Herald bug';
const BAD_REQUEST =
  'Lark refused the request as a bad request: the body must be valid JSON of a supported msg_type and at most 20 KB; report this as a Herald bug';

interface LarkAnswer {
  code?: unknown;
  StatusCode?: unknown;
  msg?: unknown;
  StatusMessage?: unknown;
}



/** Classify one HTTP answer of `POST /open-apis/bot/v2/hook/<token>`. */
export function classifyLarkAnswer(res: HttpResult): Outcome {
  const answer: LarkAnswer | undefined = jsonObject(res.body);
  const rawCode = answer?.code ?? answer?.StatusCode;
  const code = typeof rawCode === 'number' ? rawCode : typeof rawCode === 'string' ? Number(rawCode) : undefined;
  const rawMsg = answer?.msg ?? answer?.StatusMessage;
  const msg = typeof rawMsg === 'string' ? rawMsg : '';

  if (code === 0 && res.status >= 200 && res.status < 300) return { ok: true };
  if (res.status === 429) {
    return { ok: false, kind: 'rate-limited', code: code ?? 429, message: 'Lark is rate-limiting this bot', retryAfterMs: retryAfterMs(res.headers, RATE_LIMIT_RETRY_MS) };
  }
  if (code === CODE_FREQUENCY_LIMITED || (code === CODE_BAD_REQUEST && /too many request/i.test(msg))) {
    return {
      ok: false,
      kind: 'rate-limited',
      code,
      message: 'Lark is rate-limiting this bot (100 per minute, 5 per second)',
      retryAfterMs: retryAfterMs(res.headers, RATE_LIMIT_RETRY_MS),
    };
  }
  if (res.status >= 500) {
    return { ok: false, kind: 'transient', code: code ?? res.status, message: `Lark answered HTTP ${res.status}; will retry` };
  }
  if (res.status === 413) {
    return { ok: false, kind: 'permanent', code: 413, message: TOO_LARGE };
  }
  if (code === undefined || Number.isNaN(code)) {
    return {
      ok: false,
      kind: 'transient',
      code: res.status,
      message: `Lark answered HTTP ${res.status} without a readable code; will retry`,
    };
  }
  const hint = PERMANENT_HINTS[code];
  if (hint) return { ok: false, kind: 'permanent', code, message: hint };
  if (code === CODE_BAD_REQUEST) {
    return { ok: false, kind: 'permanent', code, message: `${BAD_REQUEST} (Lark said: ${msg || 'Bad Request'})` };
  }
  return {
    ok: false,
    kind: 'permanent',
    code,
    message: `Lark refused the message with code ${code}${msg ? ` (${msg})` : ''}; see https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot`,
  };
}

/**
 * What a DingTalk custom robot's answer means. Errors come back with HTTP 200 and
 * `{"errcode":N,"errmsg":"..."}`: success is read from `errcode`, never from the status.
 * https://open.dingtalk.com/document/robots/custom-robot-access (research/platforms-outbound.md §1.5, §1.6)
 */
import { jsonObject, retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/**
 * Exceeding 20 messages a minute silences a robot for 10 minutes (research §1.5). Herald's limiter keeps
 * below the limit, so a rate answer means another sender shares the robot: retry after a minute, as the
 * window slides, unless the gateway's `wait` field (seconds) says otherwise.
 */
export const RATE_LIMITED_RETRY_MS = 60_000;

/** 130101: "send too fast, exceed 20 times per minute" (2020-22); 410100: "发送速度太快而限流" (current doc table). */
const RATE_CODES = new Set([130101, 410100]);

/** -1 "系统繁忙" (system busy) is DingTalk's generic try-again code across its open APIs. */
const BUSY_CODE = -1;

const UNKNOWN_TOKEN = "DingTalk does not know this robot token: copy the robot's webhook URL again from the group settings";
const TOO_LARGE = 'the message is larger than the 20000 bytes DingTalk accepts (a Herald bug: parts should fit)';

/** errcode → what a person should do. 310000 is resolved from errmsg by `securityMessage`. */
const PERMANENT: Record<number, string> = {
  300001: UNKNOWN_TOKEN,
  300005: "DingTalk does not accept this robot token (robots of external groups cannot be used): add a robot in an internal group",
  400101: UNKNOWN_TOKEN,
  400102: 'the robot is disabled: enable it again in the group settings (bots)',
  400105: 'DingTalk does not support this message type (a Herald bug: please report it)',
  400106: "the robot does not exist any more: add a custom robot again and update the subscription's endpoint",
  400013: 'the group was dissolved: remove this subscription',
  40035: 'DingTalk could not read the message as JSON (a Herald bug: please report it)',
  460101: TOO_LARGE,
  101002: TOO_LARGE,
  430101: 'DingTalk flagged a link in the message as unsafe: change the message',
  430102: 'DingTalk flagged the text of the message as unsafe: change the message',
  430103: 'DingTalk flagged an image in the message as unsafe: change the message',
  430104: 'DingTalk flagged the content of the message as unsafe: change the message',
};

/** 4004xx: a required field is missing, e.g. 400402 markdown.title, 400403 markdown.text (research §1.4). */
const MISSING_FIELD = (code: number): boolean => code >= 400400 && code <= 400499;

/** 310000 covers every security check; the errmsg (old English or new Chinese wording) says which. */
export function securityMessage(errmsg: string): string {
  if (/keywords? not in content|关键词/i.test(errmsg)) {
    return "the robot's keyword must appear: set the subscription keyword";
  }
  if (/\bip\b|白名单|whitelist/i.test(errmsg)) return "allow Herald's IP in the robot's security settings";
  if (/invalid timestamp|过期/i.test(errmsg)) {
    return "the signature's timestamp was refused: check this server's clock (DingTalk allows one hour of skew)";
  }
  if (/sign|签名/i.test(errmsg)) return "check the robot's signing secret";
  return "DingTalk refused the robot's security check: check the signing secret, keyword and IP settings";
}

/** Classifies one answer of POST /robot/send. */
export function classifyAnswer(res: HttpResult): Outcome {
  if (res.status === 429) {
    return { ok: false, kind: 'rate-limited', code: 429, message: 'DingTalk is rate-limiting this robot', retryAfterMs: retryAfterMs(res.headers, RATE_LIMITED_RETRY_MS) };
  }
  if (res.status >= 500) {
    return { ok: false, kind: 'transient', code: res.status, message: `DingTalk answered HTTP ${res.status}` };
  }
  const body = jsonObject(res.body);
  if (!body || body.errcode === undefined) {
    // A 3xx was seen while a robot was throttled (research §1.5, UNCONFIRMED today): retry with backoff.
    // A 4xx without errcode is not DingTalk's answer (a proxy, a wrong host): retrying will not help.
    if (res.status >= 400) {
      return { ok: false, kind: 'permanent', code: res.status, message: `HTTP ${res.status} without an errcode: check the endpoint's host` };
    }
    return { ok: false, kind: 'transient', code: res.status, message: `DingTalk answered HTTP ${res.status} without an errcode` };
  }
  const code = Number(body.errcode);
  const errmsg = String(body.errmsg ?? '').slice(0, 300);
  if (code === 0) return { ok: true };
  if (RATE_CODES.has(code)) {
    const wait = Number(body.wait);
    const retryAfterMs = Number.isFinite(wait) && wait > 0 ? wait * 1000 : RATE_LIMITED_RETRY_MS;
    return { ok: false, kind: 'rate-limited', code, message: 'DingTalk is rate-limiting this robot (20 messages a minute)', retryAfterMs };
  }
  if (code === BUSY_CODE) return { ok: false, kind: 'transient', code, message: `DingTalk is busy (${errmsg})` };
  const hint =
    code === 310000
      ? securityMessage(errmsg)
      : (PERMANENT[code] ??
        (MISSING_FIELD(code) ? 'DingTalk says a required field is missing (a Herald bug: please report it)' : 'DingTalk refused the message'));
  return { ok: false, kind: 'permanent', code, message: errmsg ? `${hint} (DingTalk: ${errmsg})` : hint };
}


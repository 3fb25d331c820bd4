/**
 * What a WeCom group robot's answer means. Errors come back with HTTP 200 and
 * `{"errcode":N,"errmsg":"..., hint: [...], from ip: ..., more info at ..."}`: success is read from
 * `errcode` ("开发者的程序应该根据errcode来判断出错的情况"), never from the status.
 * https://developer.work.weixin.qq.com/document/path/90455 (research/platforms-outbound.md §3.4, §3.5)
 */
import { jsonObject, retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/** "每个机器人发送的消息不能超过20条/分钟" (research §3.4): after a 45009 the oldest send leaves the window within a minute. */
export const RATE_LIMITED_RETRY_MS = 60_000;

/** 45009 "api freq out of limit" (research §3.4). */
export const RATE_CODE = 45009;

/** -1 "系统繁忙" (system busy): WeCom's global try-again code (https://developer.work.weixin.qq.com/document/path/90455). */
const BUSY_CODE = -1;

const BUG = '(a Herald bug: please report it)';

/** errcode → what a person should do (research §3.5). */
export const PERMANENT: Record<number, string> = {
  93000:
    "WeCom does not know this robot key (invalid webhook url): the robot may have been removed from the group; copy the robot's webhook URL again (group → Group Robot) and update the subscription",
  40008: `WeCom does not accept this message type ${BUG}`,
  44004: `WeCom found the message content empty or its JSON unreadable ${BUG}`,
  40058: `a field of the message is too long or invalid for WeCom ${BUG}; text is split to 2048 bytes, markdown to 4096`,
};

/** Other 4xxxx codes are request-parameter errors ("invalid Request Parameter", research §3.4). */
const FIELD_ERROR = (code: number): boolean => code >= 40000 && code <= 49999;

/** Classifies one answer of POST /cgi-bin/webhook/send. */
export function classifyAnswer(res: HttpResult): Outcome {
  if (res.status === 429) {
    return { ok: false, kind: 'rate-limited', code: 429, message: 'WeCom is rate-limiting this robot', retryAfterMs: retryAfterMs(res.headers, RATE_LIMITED_RETRY_MS) };
  }
  if (res.status >= 500) return { ok: false, kind: 'transient', code: res.status, message: `WeCom answered HTTP ${res.status}` };
  if (res.status === 415) {
    // A non-JSON Content-Type is refused with 415 (research §3.1, MoviePilot-Plugins#806).
    return { ok: false, kind: 'permanent', code: 415, message: `WeCom refused the request's content type ${BUG}` };
  }
  const body = jsonObject(res.body);
  if (!body || typeof body.errcode !== 'number') {
    // Unreadable answer: a proxy page or a truncated body. 4xx will not get better by retrying.
    const kind = res.status >= 400 ? 'permanent' : 'transient';
    return { ok: false, kind, code: res.status, message: `WeCom answered HTTP ${res.status} without an errcode` };
  }
  const code = body.errcode;
  if (code === 0) return { ok: true };
  const errmsg = shortErrmsg(body.errmsg);
  if (code === RATE_CODE) {
    return {
      ok: false,
      kind: 'rate-limited',
      code,
      message: 'WeCom is rate-limiting this robot (20 messages a minute)',
      retryAfterMs: RATE_LIMITED_RETRY_MS,
    };
  }
  if (code === BUSY_CODE) return { ok: false, kind: 'transient', code, message: `WeCom is busy (${errmsg})` };
  const hint = PERMANENT[code] ?? (FIELD_ERROR(code) ? `WeCom refused a field of the message ${BUG}` : 'WeCom refused the message');
  return { ok: false, kind: 'permanent', code, message: errmsg ? `${hint} (WeCom: ${errmsg})` : hint };
}

/** The errmsg without its ", hint: [...], from ip: ..., more info at ..." tail. */
function shortErrmsg(errmsg: unknown): string {
  return String(errmsg ?? '')
    .replace(/,\s*hint:.*$/s, '')
    .slice(0, 300);
}


/**
 * What the Bot API's answer means: always `{"ok": bool, ...}`; on error `error_code` (an HTTP
 * status), `description`, and sometimes `parameters.retry_after` (seconds, flood control) or
 * `parameters.migrate_to_chat_id` (the group became a supergroup).
 * https://core.telegram.org/bots/api#making-requests, #responseparameters (README.md)
 */
import { jsonObject, retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/** Without retry_after: a group allows 20 messages a minute, so wait for the window to slide. */
export const RATE_LIMITED_RETRY_MS = 60_000;

const BUG = '(a Herald bug: please report it)';

export function classifyTelegram(res: HttpResult): Outcome {
  const body = jsonObject(res.body);
  if (body?.ok === true) {
    const result = body.result as Record<string, unknown> | undefined;
    return typeof result?.message_id === 'number' ? { ok: true, platformMessageId: String(result.message_id) } : { ok: true };
  }
  const code = typeof body?.error_code === 'number' ? body.error_code : res.status;
  const description = typeof body?.description === 'string' ? body.description.slice(0, 200) : '';
  const params = (body?.parameters ?? {}) as Record<string, unknown>;
  const said = description ? ` (Telegram: ${description})` : '';
  if (code === 429 || res.status === 429) {
    const seconds = Number(params.retry_after);
    const wait = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : retryAfterMs(res.headers, RATE_LIMITED_RETRY_MS);
    return { ok: false, kind: 'rate-limited', code: 429, message: `Telegram is rate-limiting this bot in this chat${said}`, retryAfterMs: wait };
  }
  if (res.status >= 500 || code >= 500 || !body) {
    const kind = !body && res.status >= 400 && res.status < 500 ? 'permanent' : 'transient';
    return { ok: false, kind, code, message: `Telegram answered HTTP ${res.status}${body ? said : ' without a Bot API answer: check the endpoint host'}` };
  }
  if (typeof params.migrate_to_chat_id === 'number') {
    return {
      ok: false,
      kind: 'permanent',
      code,
      message: `the group became a supergroup with chat_id ${params.migrate_to_chat_id}: update the subscription's endpoint to …?chat_id=${params.migrate_to_chat_id}${said}`,
    };
  }
  let hint: string;
  if (code === 401) hint = "Telegram does not accept the bot token: copy it again from @BotFather (/mybots → API Token) and update the endpoint";
  else if (code === 404) hint = 'Telegram does not know this bot token or method: check the endpoint (…/bot<token>/sendMessage?chat_id=…)';
  else if (code === 403) hint = 'the bot may not post in this chat (it was removed, blocked, or is not an admin of the channel): add it again';
  else if (/chat not found/i.test(description)) hint = "Telegram does not know this chat_id, or the bot is not in the chat: add the bot and check the chat_id";
  else if (/can't parse entities|message is too long|text is empty|text must be non-empty/i.test(description)) hint = `Telegram refused the message's text ${BUG}`;
  else if (/not enough rights|have no rights|CHAT_WRITE_FORBIDDEN/i.test(description)) hint = 'the bot has no right to send messages in this chat: give it that right';
  else if (/thread not found|TOPIC_CLOSED/i.test(description)) hint = "the endpoint's message_thread_id names no open topic of this chat";
  else hint = 'Telegram refused the message';
  return { ok: false, kind: 'permanent', code, message: `${hint}${said}` };
}

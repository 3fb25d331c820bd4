/**
 * What Discord's answer to "execute webhook" means. With `?wait=true` success is HTTP 200 and the
 * message (its `id`); errors are an HTTP status with `{"code": N, "message": "..."}`
 * (discord.com/developers/docs/topics/opcodes-and-status-codes); over a limit, HTTP 429 with
 * `{"retry_after": seconds, "global": bool}` and a Retry-After header
 * (discord.com/developers/docs/topics/rate-limits). README.md lists them with their sources.
 */
import { jsonObject, retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/** Without a readable retry_after: the webhook bucket resets every 2 s. */
export const RATE_LIMITED_RETRY_MS = 2_000;

const BUG = '(a Herald bug: please report it)';
const NEW_URL = "create the webhook again (channel → Edit Channel → Integrations → Webhooks → Copy Webhook URL) and update the subscription";

const PERMANENT: Record<number, string> = {
  10015: `the webhook was deleted: ${NEW_URL}`,
  50027: `Discord does not accept the webhook's token: ${NEW_URL}`,
  10003: `the webhook's channel does not exist any more: ${NEW_URL}`,
  50035: `Discord refused a field of the message ${BUG}`,
  50006: `Discord says the message is empty ${BUG}`,
  50013: 'the webhook lacks a permission in its channel: check the channel permissions',
  40005: `the message is larger than Discord accepts ${BUG}`,
};

export function classifyDiscord(res: HttpResult): Outcome {
  const body = jsonObject(res.body);
  if (res.status === 200 || res.status === 204) {
    const id = typeof body?.id === 'string' ? body.id : undefined;
    return id ? { ok: true, platformMessageId: id } : { ok: true };
  }
  if (res.status === 429) {
    const seconds = Number(body?.retry_after);
    const wait = Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : retryAfterMs(res.headers, RATE_LIMITED_RETRY_MS);
    const scope = body?.global === true ? 'globally' : 'on this webhook';
    return { ok: false, kind: 'rate-limited', code: 429, message: `Discord is rate-limiting Herald ${scope}`, retryAfterMs: wait };
  }
  if (res.status >= 500 || res.status === 408) return { ok: false, kind: 'transient', code: res.status, message: `Discord answered HTTP ${res.status}` };
  const code = typeof body?.code === 'number' ? body.code : undefined;
  const said = typeof body?.message === 'string' ? body.message.slice(0, 200) : '';
  const hint =
    (code !== undefined ? PERMANENT[code] : undefined) ??
    (res.status === 404 ? `Discord does not know this webhook: ${NEW_URL}` : res.status === 401 ? PERMANENT[50027]! : `Discord refused the message (HTTP ${res.status})`);
  return { ok: false, kind: 'permanent', code: code ?? res.status, message: said ? `${hint} (Discord: ${said})` : hint };
}

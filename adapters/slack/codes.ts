/**
 * What a Slack incoming webhook's answer means. Success is HTTP 200 with the body `ok`; errors
 * are an HTTP status with a short string body (api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks,
 * api.slack.com/messaging/webhooks#handling_errors); over the rate limit, HTTP 429 with Retry-After
 * in seconds (api.slack.com/docs/rate-limits). README.md lists them with their sources.
 */
import { retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/** When a 429 comes without a readable Retry-After: Slack asks for one message a second, so a few seconds. */
export const RATE_LIMITED_RETRY_MS = 5_000;

const BUG = '(a Herald bug: please report it)';
const NEW_WEBHOOK = 'add the app to the channel again (Incoming Webhooks → Add New Webhook) and update the subscription';

/** body string → what a person should do */
const PERMANENT: Record<string, string> = {
  invalid_payload: `Slack could not read the message ${BUG}`,
  invalid_blocks: `Slack refused the message's blocks ${BUG}`,
  invalid_blocks_format: `Slack refused the message's blocks ${BUG}`,
  no_text: `Slack says the message has no text ${BUG}`,
  msg_too_long: `the message is longer than Slack accepts ${BUG}`,
  too_many_attachments: `the message has more parts than Slack accepts ${BUG}`,
  user_not_found: 'Slack does not know a user the message names: check the mentions',
  action_prohibited: "the workspace restricts this webhook from posting here: ask a Slack admin",
  posting_to_general_channel_denied: 'only admins may post to this channel: pick another channel for the webhook',
  invalid_token: `the webhook was revoked: ${NEW_WEBHOOK}`,
  no_service: `the webhook no longer exists (the app was removed or the webhook revoked): ${NEW_WEBHOOK}`,
  no_service_id: `the webhook URL is incomplete: copy it again from the app's Incoming Webhooks page`,
  no_team: `the webhook URL names no workspace: copy it again from the app's Incoming Webhooks page`,
  team_disabled: 'the Slack workspace is disabled: remove this subscription',
  channel_not_found: `the webhook's channel does not exist any more: ${NEW_WEBHOOK}`,
  channel_is_archived: `the webhook's channel is archived: unarchive it, or ${NEW_WEBHOOK}`,
};

export function classifySlack(res: HttpResult): Outcome {
  const body = res.body.trim().slice(0, 100);
  if (res.status === 200) return { ok: true };
  if (res.status === 429) {
    return { ok: false, kind: 'rate-limited', code: 429, message: 'Slack is rate-limiting this webhook (one message a second)', retryAfterMs: retryAfterMs(res.headers, RATE_LIMITED_RETRY_MS) };
  }
  if (res.status >= 500 || res.status === 408) {
    return { ok: false, kind: 'transient', code: res.status, message: `Slack answered HTTP ${res.status}${body ? ` (${body})` : ''}` };
  }
  const word = /^[a-z_]+$/.test(body) ? body : '';
  const hint = PERMANENT[word] ?? `Slack refused the message (HTTP ${res.status}): check the webhook URL`;
  return { ok: false, kind: 'permanent', code: word || res.status, message: word ? `${hint} (Slack: ${word}, HTTP ${res.status})` : hint };
}

/**
 * What a Workflows (Power Automate / Logic Apps) webhook trigger answers. It accepts with HTTP 202
 * (the flow then runs and posts the card); errors are an HTTP status with
 * `{"error": {"code": "...", "message": "..."}}`. README.md lists the codes and their sources.
 */
import { jsonObject, retryAfterMs } from '../shared/answer.js';
import type { HttpResult, Outcome } from '../types.js';

/** Without a readable Retry-After. */
export const RATE_LIMITED_RETRY_MS = 10_000;

const BUG = '(a Herald bug: please report it)';
const NEW_URL = "copy the URL again from the flow's trigger (Workflows → the flow → When a Teams webhook request is received → HTTP POST URL) and update the subscription";

const PERMANENT: Record<string, string> = {
  DirectApiAuthorizationRequired: `the workflow URL lacks its signature (sig): ${NEW_URL}`,
  DirectApiInvalidAuthorizationSignature: `the workflow URL's signature is not valid any more: ${NEW_URL}`,
  WorkflowNotFound: `the workflow was deleted: create it again and ${NEW_URL}`,
  WorkflowTriggerNotFound: `the workflow has no such trigger: ${NEW_URL}`,
  WorkflowDisabled: 'the workflow is turned off: turn it on in Power Automate (My flows)',
  TriggerInputSchemaMismatch: `the workflow refused the card's shape ${BUG}`,
  InvalidRequestContent: `the workflow could not read the request ${BUG}`,
};

export function classifyTeams(res: HttpResult): Outcome {
  if (res.status >= 200 && res.status < 300) return { ok: true };
  const err = jsonObject(res.body)?.error as Record<string, unknown> | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const said = typeof err?.message === 'string' ? ` (Teams: ${err.message.slice(0, 200)})` : '';
  if (res.status === 429) {
    return { ok: false, kind: 'rate-limited', code: code ?? 429, message: `the workflow is throttling Herald${said}`, retryAfterMs: retryAfterMs(res.headers, RATE_LIMITED_RETRY_MS) };
  }
  if (res.status >= 500 || res.status === 408) return { ok: false, kind: 'transient', code: code ?? res.status, message: `Teams answered HTTP ${res.status}${said}` };
  const hint =
    (code ? PERMANENT[code] : undefined) ??
    (res.status === 401 || res.status === 403
      ? `the workflow refused the URL's signature: ${NEW_URL}`
      : res.status === 404
        ? `the workflow does not exist: ${NEW_URL}`
        : res.status === 413
          ? `the card is larger than Teams accepts ${BUG}`
          : `the workflow refused the message (HTTP ${res.status})`);
  return { ok: false, kind: 'permanent', code: code ?? res.status, message: `${hint}${said}` };
}

/**
 * The error catalog: every refusal Herald answers with has a stable snake_case code, an HTTP status
 * and a sentence that says what to do. One middleware renders them (src/http/error-handler.ts).
 */
export class HeraldError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const e =
  (status: number, code: string, fallback: string) =>
  (message: string = fallback, headers?: Record<string, string>) =>
    new HeraldError(status, code, message, headers);

export const Errors = {
  invalidJson: e(400, 'invalid_json', 'The request body is not valid JSON.'),
  invalidRequest: e(400, 'invalid_request', 'The request is invalid.'),
  invalidTopicName: e(
    400,
    'invalid_topic_name',
    'Topic names are 1-255 letters, digits, "-" or "_", starting with a letter or digit.',
  ),
  invalidEndpoint: e(400, 'invalid_endpoint', 'The endpoint is not a valid robot webhook for this protocol.'),
  invalidTemplate: e(400, 'invalid_template', 'The template does not compile.'),
  invalidAlert: e(400, 'invalid_alert', 'The body looks like an Alertmanager or Grafana notification but cannot be read.'),
  unsupportedProtocol: e(400, 'unsupported_protocol', 'This protocol is not supported.'),
  unsupportedMediaType: e(415, 'unsupported_media_type', 'Send application/json or text/plain.'),
  unauthorized: e(401, 'unauthorized', 'Send a valid token as "Authorization: Bearer <token>".'),
  forbidden: e(403, 'forbidden', 'This token may not do that.'),
  /** A platform callback that failed verification (signature, timestamp, token, decryption): no detail on purpose. */
  callbackRefused: e(401, 'callback_refused', 'The callback was refused.'),
  quotaExceeded: e(403, 'quota_exceeded', 'A quota is reached.'),
  notFound: e(404, 'not_found', 'Nothing is at this path.'),
  methodNotAllowed: e(405, 'method_not_allowed', 'This method is not allowed on this path; the Allow header lists those that are.'),
  topicNotFound: e(404, 'topic_not_found', 'No topic has this name; create it with POST /v1/topics.'),
  subscriptionNotFound: e(404, 'subscription_not_found', 'No subscription has this id.'),
  templateNotFound: e(404, 'template_not_found', 'No template has this name and protocol.'),
  messageNotFound: e(404, 'message_not_found', 'No message has this id (records expire after records.retentionDays).'),
  tokenNotFound: e(404, 'token_not_found', 'No token has this name.'),
  topicExists: e(409, 'topic_exists', 'A topic with this name exists already.'),
  subscriptionExists: e(409, 'subscription_exists', 'This endpoint is subscribed to the topic already.'),
  templateExists: e(409, 'template_exists', 'A template with this name and protocol exists already; use PUT to change it.'),
  tokenExists: e(409, 'token_exists', 'A token with this name exists already.'),
  payloadTooLarge: e(413, 'payload_too_large', 'The body is larger than quotas.messageBytes.'),
  templateBudgetExceeded: e(
    422,
    'template_budget_exceeded',
    'The template rendered past templates.maxOutputBytes or templates.renderTimeoutMs and was stopped.',
  ),
  rateLimited: e(429, 'rate_limited', 'Too many publishes with this token; retry after the time in Retry-After.'),
  unavailable: e(503, 'unavailable', 'Herald cannot reach its store right now; retry shortly.'),
  shuttingDown: e(503, 'shutting_down', 'Herald is shutting down; retry against another instance or in a moment.'),
  internal: e(500, 'internal_error', 'Something went wrong inside Herald; the log has the details.'),
};

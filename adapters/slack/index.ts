/**
 * Slack incoming webhook, outbound: one POST of Block Kit JSON per part to the webhook URL the
 * Slack app shows under Incoming Webhooks. The URL is the only credential.
 * https://api.slack.com/messaging/webhooks (README.md)
 */
import { hashedLimiterKey, jsonWebhookAdapter, parseWebhookUrl } from '../shared/json-webhook.js';
import { EndpointError, type ProtocolDescription, type Target } from '../types.js';
import { classifySlack } from './codes.js';
import { renderSlack } from './render.js';

export const SLACK_HOST = 'hooks.slack.com';

/** "no more than one message per second … bursts over that limit for short periods" (api.slack.com/docs/rate-limits). */
export const SLACK_RATE_WINDOW = { max: 1, perMs: 1000 };

/** /services/T…/B…/<secret>: workspace id, webhook (bot) id, secret. */
const PATH = /^\/services\/(T[A-Z0-9]{2,})\/(B[A-Z0-9]{2,})\/([A-Za-z0-9]{8,})\/?$/;

const ENDPOINT_HELP =
  'A Slack endpoint is the incoming webhook URL, "https://hooks.slack.com/services/T…/B…/…": ' +
  "copy it from your Slack app's page (Features → Incoming Webhooks → Webhook URLs for Your Workspace)";

/** https://api.slack.com/messaging/webhooks */
export const SLACK_DESCRIPTION: ProtocolDescription = {
  displayName: 'Slack',
  summary: 'A Slack channel, through a Slack app’s incoming webhook. It has no secret and no keyword.',
  color: '#4a154b',
  docsUrl: 'https://api.slack.com/messaging/webhooks',
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL',
      help: 'At api.slack.com/apps: your app → Incoming Webhooks → turn them on → Add New Webhook to Workspace → pick the channel → Allow. Copy the URL from "Webhook URLs for Your Workspace".',
      required: true,
      secret: false,
      example: 'https://hooks.slack.com/services/T00000000/B00000000/…',
    },
  ],
  mentions: { all: true, users: 'Slack member ids (U…) or user-group ids (S…)' },
  // T…/B…/<secret>: the last segment is the credential; the ids go with it
  secretParts: [{ in: 'path', after: '/services/' }],
};

export const slackAdapter = jsonWebhookAdapter({
  protocol: 'slack',
  describe: SLACK_DESCRIPTION,
  hosts: [SLACK_HOST],
  rateLimits: [SLACK_RATE_WINDOW],
  normalizeEndpoint,
  maskEndpoint,
  limiterKey,
  render: (msg) => renderSlack(msg),
  classify: classifySlack,
});

export function normalizeEndpoint(input: string): string {
  const url = parseWebhookUrl(input, ENDPOINT_HELP);
  if (url.pathname.startsWith('/triggers/') || url.pathname.startsWith('/workflows/')) {
    throw new EndpointError(`${ENDPOINT_HELP}; this is a Workflow Builder webhook, which takes its own variables, not messages.`);
  }
  const m = PATH.exec(url.pathname);
  if (!m) throw new EndpointError(`${ENDPOINT_HELP}; the path must be /services/T…/B…/….`);
  return `${url.protocol}//${url.host}/services/${m[1]}/${m[2]}/${m[3]}`;
}

/** `https://hooks.slack.com/services/T0001/B0002/***`: the workspace and webhook ids, never the secret. */
export function maskEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    const m = PATH.exec(url.pathname);
    return m ? `${url.protocol}//${url.host}/services/${m[1]}/${m[2]}/***` : `${url.protocol}//${url.host}/***`;
  } catch {
    return '***';
  }
}

/** One limiter per webhook (Slack paces per webhook and channel), keyed by a hash, never the secret. */
export function limiterKey(target: Target): string {
  let identity = target.endpoint;
  try {
    const m = PATH.exec(new URL(target.endpoint).pathname);
    if (m) identity = `${m[1]}/${m[2]}`;
  } catch {}
  return hashedLimiterKey('slack', identity);
}

/**
 * Microsoft Teams through a Workflows webhook: the "Post to a channel when a webhook request is
 * received" flow gives an HTTP POST URL on *.logic.azure.com (older flows) or
 * *.environment.api.powerplatform.com; Herald posts an Adaptive Card in a `message` envelope to it.
 * The `sig` query parameter is the credential.
 * https://support.microsoft.com/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498 (README.md)
 */
import { hashedLimiterKey, jsonWebhookAdapter, parseWebhookUrl } from '../shared/json-webhook.js';
import { EndpointError, type ProtocolDescription, type Target } from '../types.js';
import { classifyTeams } from './codes.js';
import { renderTeams } from './render.js';

export const TEAMS_HOSTS = ['*.logic.azure.com', '*.powerplatform.com'];

/** Microsoft publishes no number for a Workflows trigger; 4 a second is what Teams webhooks were documented at (README.md). */
export const TEAMS_RATE_WINDOW = { max: 4, perMs: 1000 };

/** …/workflows/<id>/triggers/<trigger>/paths/invoke, after an optional /powerautomate/automations/direct prefix. */
const PATH = /^(?:\/powerautomate\/automations\/direct)?\/workflows\/([A-Za-z0-9-]{8,64})\/triggers\/([A-Za-z0-9_.-]{1,80})\/paths\/invoke\/?$/;

const ENDPOINT_HELP =
  'A Teams endpoint is the HTTP POST URL of a Workflows flow ("Post to a channel when a webhook request is received"), ' +
  'on …logic.azure.com or …powerplatform.com: in the channel, … → Workflows → the template → copy the URL it shows';

/** https://support.microsoft.com/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498 */
export const TEAMS_DESCRIPTION: ProtocolDescription = {
  displayName: 'Microsoft Teams',
  summary: 'A Teams channel or chat, through a Workflows webhook (the retired Office 365 connectors are not supported).',
  color: '#4b53bc',
  docsUrl: 'https://support.microsoft.com/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498',
  fields: [
    {
      name: 'endpoint',
      label: 'Workflow URL',
      help: 'In the channel: ⋯ → Workflows → "Post to a channel when a webhook request is received" → name it → pick the team and channel → Add workflow. Copy the URL it shows (later: Workflows app → the flow → its first step, "HTTP URL").',
      required: true,
      secret: false,
      example: 'https://prod-00.westus.logic.azure.com:443/workflows/…/triggers/manual/paths/invoke?api-version=2016-06-01&sp=…&sv=1.0&sig=…',
    },
  ],
  mentions: { all: false, users: 'Entra user principal names (name@company) or object ids' },
  secretParts: [{ in: 'query', name: 'sig' }],
};

export const teamsAdapter = jsonWebhookAdapter({
  protocol: 'teams',
  describe: TEAMS_DESCRIPTION,
  hosts: TEAMS_HOSTS,
  rateLimits: [TEAMS_RATE_WINDOW],
  normalizeEndpoint,
  maskEndpoint,
  limiterKey,
  render: (msg) => renderTeams(msg),
  classify: classifyTeams,
});

function parse(input: string): { url: URL; workflow: string } {
  const url = parseWebhookUrl(input, ENDPOINT_HELP);
  if (/(^|\.)webhook\.office\.com$/i.test(url.hostname) || /\/IncomingWebhook\//.test(url.pathname)) {
    throw new EndpointError(`${ENDPOINT_HELP}; this is a retired Office 365 connector URL: create a Workflows webhook instead.`);
  }
  const m = PATH.exec(url.pathname);
  if (!m) throw new EndpointError(`${ENDPOINT_HELP}; the path must end in /workflows/<id>/triggers/<name>/paths/invoke.`);
  if (!url.searchParams.get('sig')) throw new EndpointError(`${ENDPOINT_HELP}; its sig parameter (the signature) is missing: copy the whole URL.`);
  return { url, workflow: m[1]! };
}

/** The URL as given, without a fragment and without the default port (":443" appears in copied URLs). */
export function normalizeEndpoint(input: string): string {
  const { url } = parse(input);
  url.hash = '';
  return url.toString();
}

// `https://prod-12.westus.logic.azure.com/workflows/4f1c…/…?sig=***`: host and workflow, never the signature.
export function maskEndpoint(endpoint: string): string {
  try {
    const { url, workflow } = parse(endpoint);
    return `${url.protocol}//${url.host}/workflows/${workflow.slice(0, 4)}…/…?sig=***`;
  } catch {
    return '***';
  }
}

/** One limiter per workflow, keyed by a hash of its id. */
export function limiterKey(target: Target): string {
  let identity = target.endpoint;
  try {
    identity = parse(target.endpoint).workflow;
  } catch {}
  return hashedLimiterKey('teams', identity);
}

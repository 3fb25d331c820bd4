/**
 * Discord channel webhook, outbound: one POST per part to the webhook URL (Edit Channel →
 * Integrations → Webhooks), with `?wait=true` so Discord answers with the message or the error.
 * The token in the URL is the only credential.
 * https://discord.com/developers/docs/resources/webhook#execute-webhook (README.md)
 */
import { hashedLimiterKey, jsonWebhookAdapter, parseWebhookUrl } from '../shared/json-webhook.js';
import { EndpointError, type ProtocolDescription, type Target } from '../types.js';
import { classifyDiscord } from './codes.js';
import { renderDiscord } from './render.js';

/** The API's hosts: discord.com, its old name and the test clients' (discord.com/developers/docs/reference#api-reference-base-url). */
export const DISCORD_HOSTS = ['discord.com', 'discordapp.com', 'canary.discord.com', 'ptb.discord.com'];

/** Webhook bucket: `X-RateLimit-Limit: 5`, `X-RateLimit-Reset-After: 2` on execute-webhook answers (README.md). */
export const DISCORD_RATE_WINDOW = { max: 5, perMs: 2000 };

/** /api[/v10]/webhooks/<snowflake>/<token> */
const PATH = /^\/api(?:\/v\d+)?\/webhooks\/(\d{5,25})\/([A-Za-z0-9_-]{20,200})\/?$/;

const ENDPOINT_HELP =
  'A Discord endpoint is the channel webhook URL, "https://discord.com/api/webhooks/<id>/<token>": ' +
  'copy it from the channel (Edit Channel → Integrations → Webhooks → Copy Webhook URL)';

/** https://support.discord.com/hc/en-us/articles/228383668-Intro-to-Webhooks */
export const DISCORD_DESCRIPTION: ProtocolDescription = {
  displayName: 'Discord',
  summary: 'A Discord channel, through one of its webhooks. It has no secret and no keyword.',
  color: '#5865f2',
  docsUrl: 'https://support.discord.com/hc/en-us/articles/228383668-Intro-to-Webhooks',
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL',
      help: 'In the server: the channel’s ⚙ Edit Channel → Integrations → Webhooks → New Webhook → Copy Webhook URL (Manage Webhooks permission needed). Add ?thread_id=… to post into a thread.',
      required: true,
      secret: false,
      example: 'https://discord.com/api/webhooks/123456789012345678/…',
    },
  ],
  mentions: { all: true, users: 'Discord user ids (numbers)' },
  secretParts: [{ in: 'path', after: '/api/webhooks/' }],
};

export const discordAdapter = jsonWebhookAdapter({
  protocol: 'discord',
  describe: DISCORD_DESCRIPTION,
  hosts: DISCORD_HOSTS,
  rateLimits: [DISCORD_RATE_WINDOW],
  normalizeEndpoint,
  maskEndpoint,
  limiterKey,
  render: (msg) => renderDiscord(msg),
  // ?wait=true: Discord answers with the message or the error instead of 204
  postUrl(endpoint) {
    const url = new URL(endpoint);
    url.searchParams.set('wait', 'true');
    return url.toString();
  },
  classify: classifyDiscord,
});

/** Canonical: `<scheme>//<host>/api/webhooks/<id>/<token>`, keeping a `thread_id` (a forum or thread channel). */
export function normalizeEndpoint(input: string): string {
  const url = parseWebhookUrl(input, ENDPOINT_HELP);
  const m = PATH.exec(url.pathname);
  if (!m) throw new EndpointError(`${ENDPOINT_HELP}; the path must be /api/webhooks/<id>/<token>.`);
  const thread = url.searchParams.get('thread_id');
  if (thread !== null && !/^\d{5,25}$/.test(thread)) throw new EndpointError(`${ENDPOINT_HELP}; its thread_id must be a thread's id.`);
  return `${url.protocol}//${url.host}/api/webhooks/${m[1]}/${m[2]}${thread ? `?thread_id=${thread}` : ''}`;
}

/** `https://discord.com/api/webhooks/1234567890/***`: the webhook id, never the token. */
export function maskEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    const m = PATH.exec(url.pathname);
    return m ? `${url.protocol}//${url.host}/api/webhooks/${m[1]}/***` : `${url.protocol}//${url.host}/***`;
  } catch {
    return '***';
  }
}

/** One limiter per webhook (Discord's bucket is per webhook), keyed by a hash of its id. */
export function limiterKey(target: Target): string {
  let identity = target.endpoint;
  try {
    identity = PATH.exec(new URL(target.endpoint).pathname)?.[1] ?? identity;
  } catch {}
  return hashedLimiterKey('discord', identity);
}

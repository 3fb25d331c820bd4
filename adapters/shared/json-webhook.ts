/**
 * What the channels that take one JSON POST per part at a webhook URL share (Slack, Teams, Discord,
 * Telegram): the first checks of the URL, a limiter key that never holds the credential, and the
 * adapter around the platform's own parse, render and classify. No platform is named here.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  type Adapter,
  type AdapterFactory,
  EndpointError,
  type HttpResult,
  type OutboundMessage,
  type Outcome,
  type ProtocolDescription,
  type RateWindow,
  type Target,
} from '../types.js';

/** `input` as a URL, refused with `help` first when it is not one, is not http(s) or carries a user name or password. */
export function parseWebhookUrl(input: string, help: string): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new EndpointError(`${help}; this is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError(`${help}; use https.`);
  if (url.username || url.password) throw new EndpointError(`${help}; a user name or password has no place in it.`);
  return url;
}

/** `<protocol>:<16 hex>`: one limiter per robot, from what identifies it (ids, never the secret), hashed. */
export function hashedLimiterKey(protocol: string, identity: string): string {
  return `${protocol}:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

export interface JsonWebhookChannel {
  protocol: string;
  describe: ProtocolDescription;
  hosts: readonly string[];
  rateLimits: RateWindow[];
  normalizeEndpoint(input: string): string;
  maskEndpoint(endpoint: string): string;
  limiterKey(target: Target): string;
  render(msg: OutboundMessage, target: Target): unknown[];
  /** The URL a part is posted to; the endpoint itself when absent. */
  postUrl?(endpoint: string): string;
  classify(res: HttpResult): Outcome;
}

/** The adapter factory of a channel without config keys of its own that posts each part as JSON. */
export function jsonWebhookAdapter(channel: JsonWebhookChannel): AdapterFactory {
  const { protocol, describe, hosts, normalizeEndpoint, maskEndpoint, limiterKey, render, postUrl, classify } = channel;
  return {
    protocol,
    describe,
    config: z.strictObject({}),
    defaults: { rateLimits: channel.rateLimits },
    create(): Adapter {
      return {
        protocol,
        displayName: describe.displayName,
        allowedHosts: hosts,
        normalizeEndpoint,
        maskEndpoint,
        limiterKey,
        render,
        async send(target, payload, ctx) {
          const url = postUrl ? postUrl(target.endpoint) : target.endpoint;
          // charset stated: without it a Teams trigger was seen to count a body as UTF-16 (adapters/teams/README.md)
          const res = await ctx.http.post(url, JSON.stringify(payload), { 'content-type': 'application/json; charset=utf-8' });
          return classify(res);
        },
      };
    },
  };
}

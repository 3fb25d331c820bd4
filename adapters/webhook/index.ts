/** The generic webhook: a JSON envelope POSTed to any public https URL, signed when a secret is set. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Adapter, type AdapterFactory, EndpointError, type Outcome, type ProtocolDescription, type Target } from '../types.js';
import { retryAfterMs } from '../shared/answer.js';
import { signWebhook } from './sign.js';

export interface Envelope {
  messageId: string;
  deliveryId: string;
  topic: string;
  subject?: string;
  message: string;
  level: string;
  mentions: unknown;
  /** ISO 8601, when the message was published */
  timestamp: string;
  attributes: Record<string, string>;
}

/** `headers`: the answer's, or a function giving them (read only for a 429). */
export function classifyHttp(status: number, headers: Headers | (() => Headers)): Outcome {
  if (status >= 200 && status < 300) return { ok: true };
  if (status === 429) {
    return { ok: false, kind: 'rate-limited', code: 429, message: 'the receiver asked Herald to slow down', retryAfterMs: retryAfterMs(typeof headers === 'function' ? headers() : headers, undefined) };
  }
  if (status >= 500 || status === 408) return { ok: false, kind: 'transient', code: status, message: `the receiver answered HTTP ${status}` };
  if (status >= 300 && status < 400) {
    return { ok: false, kind: 'permanent', code: status, message: `the receiver redirects (HTTP ${status}); Herald does not follow redirects: subscribe the final URL` };
  }
  return { ok: false, kind: 'permanent', code: status, message: `the receiver refused the delivery (HTTP ${status}); check its URL and secret` };
}

export const WEBHOOK_DESCRIPTION: ProtocolDescription = {
  displayName: 'Webhook',
  summary: 'Any HTTPS URL that accepts a JSON POST: Herald’s envelope with the message.',
  color: '#7c3aed',
  fields: [
    {
      name: 'endpoint',
      label: 'URL',
      help: 'Your receiver’s URL. Herald does not follow redirects: give the final address.',
      required: true,
      secret: false,
      example: 'https://example.com/hooks/herald',
    },
    {
      name: 'secret',
      label: 'Signing key',
      help: 'Herald signs each delivery with it (X-Herald-Timestamp and X-Herald-Signature headers) so your receiver can check it came from Herald.',
      required: false,
      secret: true,
      example: 'a long random string',
    },
  ],
  // the envelope carries the mentions as given; the receiver decides what they mean
  mentions: { all: false },
  // any URL: its credential may sit anywhere in the path or query
  secretParts: [{ in: 'userinfo' }, { in: 'pathAndQuery' }],
};

export const webhookAdapter: AdapterFactory = {
  protocol: 'webhook',
  describe: WEBHOOK_DESCRIPTION,
  config: z.strictObject({}),
  // the receivers are machines: each message is its own delivery, never folded into a digest
  defaults: { rateLimits: [], batch: false },
  create(): Adapter {
    return {
      protocol: 'webhook',
      displayName: WEBHOOK_DESCRIPTION.displayName,
      allowedHosts: undefined,
      normalizeEndpoint(endpoint) {
        let url: URL;
        try {
          url = new URL(endpoint);
        } catch {
          throw new EndpointError('A webhook endpoint must be an absolute URL such as https://example.com/hooks/herald.');
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError('A webhook endpoint must be an http(s) URL.');
        url.hash = '';
        return url.toString();
      },
      maskEndpoint(endpoint) {
        // any segment may be the credential: the host, then at most 3 characters of the first path
        // segment; the rest of the path and the whole query are `…`; a user name or password `***@`
        const url = new URL(endpoint);
        const segments = url.pathname.split('/').filter(Boolean);
        const first = segments[0];
        const head = first === undefined ? '' : first.length > 3 ? `${first.slice(0, 3)}…` : first;
        const rest = segments.length > 1 ? '/…' : '';
        const query = url.search ? '?…' : '';
        const auth = url.username || url.password ? '***@' : '';
        return `${url.protocol}//${auth}${url.host}/${head}${rest}${query}`;
      },
      limiterKey(target: Target) {
        return `webhook:${createHash('sha256').update(target.endpoint).digest('hex').slice(0, 16)}`;
      },
      render(msg) {
        const envelope: Envelope = {
          messageId: msg.messageId,
          deliveryId: msg.deliveryId,
          topic: msg.topic,
          subject: msg.subject,
          message: msg.text,
          level: msg.level,
          mentions: msg.mentions,
          timestamp: msg.createdAt,
          attributes: msg.attributes,
        };
        return [envelope];
      },
      async send(target, payload, ctx) {
        const body = JSON.stringify(payload);
        const headers: Record<string, string> = { 'x-herald-delivery': (payload as Envelope).deliveryId };
        if (target.secret) {
          const ts = Math.floor(ctx.now() / 1000);
          headers['x-herald-timestamp'] = String(ts);
          headers['x-herald-signature'] = signWebhook(target.secret, ts, body);
        }
        const res = await ctx.http.post(target.endpoint, body, headers);
        return classifyHttp(res.status, () => res.headers);
      },
    };
  },
};

/**
 * Email through the operator's SMTP server (nodemailer): the endpoint names the recipients,
 * `mailto:a@example.com,b@example.com` or the bare list; the server and the sender are set once
 * by the operator, HERALD_SMTP_URL (`smtp://` or `smtps://user:pass@host:port`) and
 * HERALD_SMTP_FROM. Herald connects only to that server: a subscription cannot point it elsewhere.
 * RFC 5321 (SMTP), RFC 6068 (mailto), https://nodemailer.com/smtp/ (README.md)
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { type Adapter, type AdapterDeps, type AdapterFactory, EndpointError, type ProtocolDescription, type Target } from '../types.js';
import { classifySmtp } from './codes.js';
import { type EmailPayload, renderEmail } from './render.js';

const require = createRequire(import.meta.url);
let nodemailer: typeof Nodemailer | undefined;
/** nodemailer, loaded at the first email sent: most deployments never send one. */
const mailer = () => (nodemailer ??= require('nodemailer') as typeof Nodemailer);

/** Recipients one subscription may name: beyond this it is a mailing list, which belongs on the mail server. */
export const MAX_RECIPIENTS = 20;

/** RFC 5321 addr-spec, dot-atom local part (no quoted strings, no comments, no display names). */
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const ENDPOINT_HELP = 'An email endpoint is "mailto:a@example.com,b@example.com" or just the addresses, separated by commas';

/** `platforms.email`: the operator's mail server and sender (both, or neither: email off). */
export const emailConfig = z.strictObject({
  smtpUrl: z.string().min(1).optional().describe('the mail server, smtp://host:587 or smtps://user:pass@host:465 (HERALD_SMTP_URL)'),
  from: z.string().min(1).optional().describe('the sender, "Herald <herald@example.com>" (HERALD_SMTP_FROM)'),
});

export const EMAIL_DESCRIPTION: ProtocolDescription = {
  displayName: 'Email',
  summary: 'Email to one or more addresses, through the mail server this Herald’s operator set up.',
  color: '#475569',
  fields: [
    {
      name: 'endpoint',
      label: 'Addresses',
      help: 'Up to 20 addresses separated by commas, or a mailto: link. For more people, send to a mailing list.',
      required: true,
      secret: false,
      example: 'mailto:oncall@example.com,ops@example.com',
    },
  ],
  mentions: { all: false },
  // addresses are not credentials; the SMTP password lives in HERALD_SMTP_URL (a secret setting)
  secretParts: [],
};

export const emailAdapter: AdapterFactory = {
  protocol: 'email',
  describe: EMAIL_DESCRIPTION,
  config: emailConfig,
  defaults: { rateLimits: [] },
  env: {
    HERALD_SMTP_URL: { key: 'smtpUrl', secret: true },
    HERALD_SMTP_FROM: { key: 'from' },
  },
  create(deps: AdapterDeps): Adapter {
    const smtp = smtpSettings(deps);
    let transport: Transporter | undefined;
    return {
      protocol: 'email',
      displayName: EMAIL_DESCRIPTION.displayName,
      endpointKind: 'address',
      normalizeEndpoint(endpoint) {
        if (!smtp) throw new EndpointError('Email is not set up on this Herald: its operator sets HERALD_SMTP_URL and HERALD_SMTP_FROM.');
        return normalizeEndpoint(endpoint);
      },
      maskEndpoint,
      limiterKey,
      render: (msg, target) => renderEmail(msg, recipients(target.endpoint)),
      async send(_target, payload) {
        if (!smtp) return { ok: false, kind: 'permanent', message: 'Email is not set up on this Herald: set HERALD_SMTP_URL and HERALD_SMTP_FROM' };
        // one connection per message: no idle sockets to keep the process up, and email volume is low
        transport ??= mailer().createTransport(smtp.url, { from: smtp.from });
        const mail = payload as EmailPayload;
        try {
          const info = await transport.sendMail({ ...mail, from: smtp.from });
          if (info.rejected?.length) {
            // some recipients were refused, the others got it: a retry would send them a second copy
            deps.log.warn('the mail server refused some recipients', { refused: info.rejected?.length, of: mail.to.length });
          }
          return { ok: true, platformMessageId: info.messageId };
        } catch (err) {
          return classifySmtp(err);
        }
      },
    };
  },
};

interface Smtp {
  url: string;
  from: string;
}

/** Off (undefined) until both are set; a malformed value stops the start, naming the variable, never its value. */
export function smtpSettings(deps: Pick<AdapterDeps, 'config'>): Smtp | undefined {
  const url = typeof deps.config.smtpUrl === 'string' ? deps.config.smtpUrl.trim() : '';
  const from = typeof deps.config.from === 'string' ? deps.config.from.trim() : '';
  if (!url && !from) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('HERALD_SMTP_URL (platforms.email.smtpUrl) must be smtp://host:port or smtps://user:pass@host:port');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error('HERALD_SMTP_URL (platforms.email.smtpUrl) must start with smtp:// or smtps://');
  }
  const address = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!ADDRESS.test(address) || /[\r\n]/.test(from)) {
    throw new Error('HERALD_SMTP_FROM (platforms.email.from) must be an address, e.g. "Herald <herald@example.com>"');
  }
  // nodemailer waits 2 min to connect and 10 min on a silent socket by default: too long to hold a delivery
  for (const [key, ms] of Object.entries(SMTP_TIMEOUTS_MS)) if (!parsed.searchParams.has(key)) parsed.searchParams.set(key, String(ms));
  return { url: parsed.toString(), from };
}

/** Connection options read from the URL's query by nodemailer, unless the operator's URL sets them. */
const SMTP_TIMEOUTS_MS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export function recipients(endpoint: string): string[] {
  return endpoint.replace(/^mailto:/i, '').split(',').filter(Boolean);
}

/** Canonical: `mailto:` + the addresses, domains lower-cased, duplicates dropped, in the order given. */
export function normalizeEndpoint(input: string): string {
  let raw = input.trim();
  if (/^mailto:/i.test(raw)) {
    raw = raw.slice(7);
    if (raw.includes('?')) throw new EndpointError(`${ENDPOINT_HELP}; subject or body parameters (?…) have no place in it.`);
    try {
      raw = decodeURIComponent(raw);
    } catch {
      throw new EndpointError(`${ENDPOINT_HELP}; it has a broken %-escape.`);
    }
  }
  const list = raw.split(/[,;\s]+/).filter(Boolean);
  if (list.length === 0) throw new EndpointError(`${ENDPOINT_HELP}; it names no address.`);
  const seen = new Set<string>();
  for (const a of list) {
    if (!ADDRESS.test(a) || a.length > 254) throw new EndpointError(`${ENDPOINT_HELP}; "${a.slice(0, 80)}" is not an address.`);
    const at = a.lastIndexOf('@');
    seen.add(`${a.slice(0, at)}@${a.slice(at + 1).toLowerCase()}`);
  }
  if (seen.size > MAX_RECIPIENTS) throw new EndpointError(`${ENDPOINT_HELP}; at most ${MAX_RECIPIENTS} addresses (use a mailing list for more).`);
  return `mailto:${[...seen].join(',')}`;
}

/** `mailto:o***@example.com,b***@example.org`: who receives it can be told, not the full addresses. */
export function maskEndpoint(endpoint: string): string {
  const masked = recipients(endpoint).map((a) => {
    const at = a.lastIndexOf('@');
    return at > 0 ? `${a[0]}***${a.slice(at)}` : '***';
  });
  return `mailto:${masked.join(',')}`;
}

/** One limiter per recipient list, keyed by a hash. */
export function limiterKey(target: Target): string {
  return `email:${createHash('sha256').update(target.endpoint).digest('hex').slice(0, 16)}`;
}

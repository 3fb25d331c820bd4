/** winston, JSON in production and readable in development, with every secret-bearing string redacted. */
import winston from 'winston';
import { adapterFactories } from '../adapters/index.js';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Query parameters that carry tokens anywhere, and those each adapter declares in `describe.secretParts`. */
const queryNames = new Set(['access_token', 'key', 'token', 'sign', 'secret', 'sig']);
/** Literal prefixes after which an adapter's endpoint holds a credential (its `path` secret parts). */
const pathPrefixes = new Set<string>();
for (const f of adapterFactories) {
  for (const part of f.describe.secretParts) {
    if (part.in === 'query') queryNames.add(part.name);
    else if (part.in === 'path') pathPrefixes.add(part.after);
  }
}
const SECRET_QUERY = new RegExp(`([?&\\s"']|^)((?:${[...queryNames].map(escapeRegExp).join('|')})=)[^&\\s"'<>]+`, 'gi');
const SECRET_PATH = pathPrefixes.size
  ? new RegExp(`(${[...pathPrefixes].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})[^?#\\s"'<>]+`, 'g')
  : undefined;
/** `scheme://user:password@host`: the credentials of any URL */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s:@"']*:[^/\s@"']*@/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
/** Fields never logged whatever they hold; adapters' secret config keys (EnvSetting.secret) are added. */
const SECRET_FIELDS = new Set(['secret', 'endpoint', 'token', 'authorization', 'password', 'adminToken', 'secretKey', 'secretKeyPrevious']);
for (const f of adapterFactories) for (const s of Object.values(f.env ?? {})) if (s.secret) SECRET_FIELDS.add(s.key);

export function redactText(text: string): string {
  let out = text.replace(SECRET_QUERY, '$1$2***').replace(USERINFO, '$1***@').replace(BEARER, '$1***');
  if (SECRET_PATH) out = out.replace(SECRET_PATH, '$1***');
  return out;
}

/** Known secret values (the admin token, app secrets) are also scrubbed wherever they appear. */
const knownSecrets = new Set<string>();
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

function scrub(text: string): string {
  let out = redactText(text);
  for (const s of knownSecrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { message: scrub(value.message), stack: value.stack && scrub(value.stack) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELDS.has(k) ? '***' : redact(v, depth + 1);
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    (info as Record<string, unknown>)[key] = SECRET_FIELDS.has(key) ? '***' : redact(info[key]);
  }
  return info;
});

export type Logger = winston.Logger;

export function createLogger(opts: { level: string; format: 'json' | 'pretty' }, transports?: winston.transport[]): Logger {
  const shape =
    opts.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.colorize(),
          winston.format.printf(({ timestamp, level, message, ...rest }) => {
            const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
            return `${timestamp} ${level} ${message}${extra}`;
          }),
        );
  return winston.createLogger({
    level: opts.level,
    format: winston.format.combine(redactFormat(), shape),
    transports: transports ?? [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

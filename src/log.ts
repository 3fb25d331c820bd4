/** winston, JSON in production and readable in development, with every secret-bearing string redacted. */
import winston from 'winston';

/** Query parameters and path segments that carry robot tokens. */
const SECRET_QUERY = /(\b(?:access_token|key|token|sign|secret)=)[^&\s"']+/gi;
const LARK_HOOK = /(\/open-apis\/bot\/v2\/hook\/)[^/?\s"']+/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const SECRET_FIELDS = new Set([
  'secret',
  'endpoint',
  'token',
  'authorization',
  'clientSecret',
  'appSecret',
  'encryptKey',
  'verificationToken',
  'encodingAesKey',
  'adminToken',
  'secretKey',
  'secretKeyPrevious',
]);

export function redactText(text: string): string {
  return text.replace(SECRET_QUERY, '$1***').replace(LARK_HOOK, '$1***').replace(BEARER, '$1***');
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

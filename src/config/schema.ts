/** One declaration gives Herald's config type and its runtime check. */
import { z } from 'zod';

const rateWindow = z.strictObject({
  max: z.number().int().positive(),
  perMs: z.number().int().positive(),
});

/**
 * The keys every `platforms.<protocol>` section has; every other key belongs to its adapter and is
 * declared by the adapter's own `config` schema (adapters/<p>/index.ts). See platformsSchema.
 */
export const commonPlatformShape = {
  rateLimits: z.array(rateWindow),
  /** what waits for a robot at its rate limit goes out as one digest (src/delivery/digest.ts); an adapter may default it off */
  batch: z.boolean().default(true),
};

/** The type of a section; at start each is checked by its adapter's strict schema (platformsSchema). */
const platform = z.looseObject(commonPlatformShape);

const commandPolicy = z.strictObject({
  /** who may subscribe a group: anyone in it, its admins, or the listed user ids */
  allow: z.enum(['anyone', 'admins', 'allowlist']).default('anyone'),
  users: z.array(z.string()).default([]),
});

export const configSchema = z.strictObject({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  redisUrl: z.string().url().optional(),
  adminToken: z.string().min(16, 'HERALD_ADMIN_TOKEN must be at least 16 characters').optional(),
  /** base64 of 32 bytes */
  secretKey: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'HERALD_SECRET_KEY must be base64 of exactly 32 bytes')
    .optional(),
  /** the key before a rotation: values it sealed are sealed again with secretKey at start */
  secretKeyPrevious: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'HERALD_SECRET_KEY_PREVIOUS must be base64 of exactly 32 bytes')
    .optional(),
  allowHosts: z.array(z.string().min(1)),
  logLevel: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']),
  logFormat: z.enum(['json', 'pretty']),
  records: z.strictObject({ retentionDays: z.number().positive(), sweepIntervalMs: z.number().int().min(10) }),
  audit: z.strictObject({ retentionDays: z.number().positive() }),
  /** the address people reach Herald at (HERALD_PUBLIC_URL): silence links and record links start with it */
  publicUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'HERALD_PUBLIC_URL must be an http(s) URL such as https://herald.example.com')
    .optional(),
  /** the Alertmanager whose API v2 Herald creates silences in (HERALD_ALERTMANAGER_URL) */
  alertmanager: z.strictObject({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'HERALD_ALERTMANAGER_URL must be an http(s) URL such as http://alertmanager:9093')
      .optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    bearerToken: z.string().optional(),
    timeoutMs: z.number().int().min(100),
  }),
  delivery: z.strictObject({
    maxAttempts: z.number().int().min(1).max(100),
    backoffMs: z.number().int().min(1),
    maxBackoffMs: z.number().int().min(1),
    concurrency: z.number().int().min(1).max(10_000),
    timeoutMs: z.number().int().min(100),
  }),
  publish: z.strictObject({
    idempotencyWindowMs: z.number().int().min(1000),
    timeZone: z.string().refine(isTimeZone, 'publish.timeZone must be an IANA time zone such as Asia/Shanghai'),
    rateLimit: z.strictObject({ burst: z.number().int().min(1), perSecond: z.number().positive() }),
  }),
  quotas: z.strictObject({
    topics: z.number().int().min(0),
    subscriptionsPerTopic: z.number().int().min(0),
    templates: z.number().int().min(0),
    messageBytes: z.number().int().min(1),
  }),
  /** the template budget (src/templates/budget.ts): a render past either limit is stopped */
  templates: z.strictObject({
    maxOutputBytes: z.number().int().min(1024),
    renderTimeoutMs: z.number().int().min(10).max(60_000),
  }),
  redis: z.strictObject({ keyPrefix: z.string() }),
  /** `locale`: the bot's reply language (`auto` follows the words used); any other key is a protocol's command policy */
  commands: z
    .object({ locale: z.enum(['auto', 'en', 'zh-CN']).default('auto') })
    .catchall(commandPolicy)
    // the index signature (policies) cannot type `locale` itself: the default is the parsed shape
    .default({ locale: 'auto' } as never),
  platforms: z.record(z.string(), platform),
});

export type Config = z.infer<typeof configSchema>;

/**
 * `platforms` as this Herald checks it: one strict section per registered protocol (the common keys
 * and the adapter's own), and no section for a protocol it does not have.
 */
export function platformsSchema(sections: Readonly<Record<string, z.ZodObject>>) {
  const known = Object.keys(sections);
  const shape = Object.fromEntries(
    Object.entries(sections).map(([protocol, own]) => {
      const keys = [...Object.keys(commonPlatformShape), ...Object.keys(own.shape)];
      return [
        protocol,
        z.strictObject(
          { ...own.shape, ...commonPlatformShape },
          {
            error: (issue) =>
              issue.code === 'unrecognized_keys'
                ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; platforms.${protocol} takes ${keys.join(', ')}`
                : undefined,
          },
        ),
      ];
    }),
  );
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown platform${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; this Herald delivers to ${known.join(', ')}`
        : undefined,
  });
}

/** The whole config schema with `platforms` checked section by section (see platformsSchema). */
export function checkedConfigSchema(sections: Readonly<Record<string, z.ZodObject>>) {
  return configSchema.extend({ platforms: platformsSchema(sections) });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The SMN-style JSON publish body. */
import { z } from 'zod';
import { LEVELS, type Level } from '../../../adapters/types.js';
import { Errors } from '../../errors.js';
import { zodMessage } from '../../http/validate.js';
import { ATTRIBUTE_NAME, LEVEL_ATTRIBUTE, MAX_ATTRIBUTE_VALUE } from '../../routing/filter.js';
import type { Draft, Intake } from '../draft.js';

export const mentionsSchema = z.strictObject({
  all: z.boolean().optional(),
  users: z.array(z.string().min(1).max(128)).max(100).optional(),
  mobiles: z.array(z.string().regex(/^\+?[0-9-]{5,20}$/, 'mobiles are phone numbers')).max(100).optional(),
});

const structure = z
  .union([z.record(z.string(), z.string()), z.string()])
  .transform((v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(v));
      if (parsed.success) return parsed.data;
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'messageStructure must map protocols to strings' });
    return z.NEVER;
  })
  .refine((v) => typeof v.default === 'string', 'messageStructure needs a "default" entry');

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** Items in one array tag (`"hosts": ["db-1", "db-2"]`: `{{#each hosts}}`, `{{join hosts}}`). */
const MAX_TAG_ITEMS = 100;
/** Attributes a publish carries for the subscriptions' filters (SMN message attributes). */
export const MAX_ATTRIBUTES = 32;
const attributesSchema = z
  .record(
    z
      .string()
      .regex(ATTRIBUTE_NAME, 'attribute names are 1-32 letters, digits or "_"')
      .refine((n) => n !== LEVEL_ATTRIBUTE, 'the "level" attribute is the message level: set it with "level"'),
    z.union([z.string().max(MAX_ATTRIBUTE_VALUE), z.number(), z.boolean()]),
  )
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
  .meta({ description: "Compared with the subscriptions' filters (with `level` and any `tags`); also sent to webhooks.", example: { team: 'db', env: 'prod' } });

export const publishSchema = z
  .strictObject({
    subject: z.string().max(512).optional(),
    message: z.string().optional(),
    level: z.enum(LEVELS as [Level, ...Level[]]).optional(),
    format: z.enum(['markdown', 'text']).optional(),
    mentions: mentionsSchema.optional(),
    template: z.string().min(1).max(255).optional(),
    tags: z.record(z.string(), z.union([scalar, z.array(scalar).max(MAX_TAG_ITEMS)])).optional(),
    attributes: attributesSchema.optional(),
    messageStructure: structure.optional(),
  })
  .refine((b) => b.message !== undefined || b.messageStructure !== undefined || b.template !== undefined, {
    message: 'give "message", "messageStructure" or "template"',
  });

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const jsonIntake: Intake = {
  name: 'json',
  detect: (body) => isPlainObject(body),
  read(body): Draft {
    const parsed = publishSchema.safeParse(body);
    if (!parsed.success) throw Errors.invalidRequest(zodMessage(parsed.error));
    const b = parsed.data;
    // templates see arrays as arrays; attributes (filters) hold them comma-joined
    const tagValues = Object.fromEntries(Object.entries(b.tags ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
    const tags = Object.fromEntries(Object.entries(tagValues).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const attributes = Object.fromEntries(Object.entries(b.attributes ?? {}).map(([k, v]) => [k, String(v)]));
    const draft: Draft = {
      source: 'json',
      subject: b.subject,
      text: b.message ?? (b.messageStructure ? b.messageStructure.default : undefined),
      level: b.level ?? 'info',
      mentions: b.mentions ?? {},
      // tags are message attributes too (filters see them); a named attribute wins over a tag
      attributes: { ...tags, ...attributes },
      format: b.format ?? 'markdown',
    };
    if (b.messageStructure) draft.bodies = b.messageStructure;
    else if (b.template) draft.template = { name: b.template, context: { ...tagValues, subject: b.subject, message: b.message } };
    else draft.bodies = { default: b.message ?? '' };
    return draft;
  },
};

/** The SMN-style JSON publish body. */
import { z } from 'zod';
import { LEVELS, type Level } from '../../../adapters/types.js';
import { Errors } from '../../errors.js';
import { zodMessage } from '../../http/validate.js';
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

export const publishSchema = z
  .strictObject({
    subject: z.string().max(512).optional(),
    message: z.string().optional(),
    level: z.enum(LEVELS as [Level, ...Level[]]).optional(),
    format: z.enum(['markdown', 'text']).optional(),
    mentions: mentionsSchema.optional(),
    template: z.string().min(1).max(255).optional(),
    tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
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
    const tags = Object.fromEntries(Object.entries(b.tags ?? {}).map(([k, v]) => [k, String(v)]));
    const draft: Draft = {
      source: 'json',
      subject: b.subject,
      text: b.message ?? (b.messageStructure ? b.messageStructure.default : undefined),
      level: b.level ?? 'info',
      mentions: b.mentions ?? {},
      attributes: tags,
      format: b.format ?? 'markdown',
    };
    if (b.messageStructure) draft.bodies = b.messageStructure;
    else if (b.template) draft.template = { name: b.template, context: { ...tags, subject: b.subject, message: b.message } };
    else draft.bodies = { default: b.message ?? '' };
    return draft;
  },
};

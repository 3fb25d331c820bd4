/** Request validation with zod: one sentence naming every field that is wrong. */
import type { z } from 'zod';
import { Errors } from '../errors.js';

export function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw Errors.invalidRequest(zodMessage(r.error));
  return r.data;
}

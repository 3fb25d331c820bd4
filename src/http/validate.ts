/** Request validation with zod: one sentence naming every field that is wrong. */
import type { z } from 'zod';
import { Errors } from '../errors.js';

/** Field names are the caller's: long ones are cut, so a value sent by mistake as a key is not echoed back. */
const name = (key: PropertyKey) => {
  const s = String(key);
  return s.length > MAX_ECHOED_KEY ? `${s.slice(0, 8)}…` : s;
};
const MAX_ECHOED_KEY = 32;

export function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const message = i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `"${name(k)}"`).join(', ')}` : i.message;
      return i.path.length ? `${i.path.map(name).join('.')}: ${message}` : message;
    })
    .join('; ');
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw Errors.invalidRequest(zodMessage(r.error));
  return r.data;
}

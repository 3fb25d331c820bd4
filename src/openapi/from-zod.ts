/** Request schemas the server validates with zod are documented from the same zod declaration. */
import { type ZodType, z } from 'zod';
import type { Schema } from './types.js';

export function fromZod(schema: ZodType): Schema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;
  return rest;
}

import { z } from 'zod';
import { expect, it } from 'vitest';
import { zodMessage } from '../../src/http/validate.js';

it('names unknown fields without echoing a long key back', () => {
  const schema = z.strictObject({ name: z.string() });
  const secretKey = 'SEC0123456789abcdef0123456789abcdef';
  const r = schema.safeParse({ name: 'x', owner: 1, [secretKey]: 1 });
  expect(r.success).toBe(false);
  const text = zodMessage(r.error!);
  expect(text).toContain('"owner"');
  expect(text).not.toContain(secretKey);
  expect(text).toContain('SEC01234…');
});

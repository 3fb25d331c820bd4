/** zod shapes shared by the Alertmanager and Grafana intakes: lenient where senders differ, strict where we rely on it. */
import { z } from 'zod';
import { Errors } from '../../errors.js';
import { zodMessage } from '../../http/validate.js';

/** Alerts in one notification: Alertmanager's own default cap is none, so a sane upper bound. */
export const MAX_ALERTS_PER_NOTIFICATION = 1000;

/** Label and annotation values are strings; a number or boolean from a hand-written sender is printed as is. */
export const stringMap = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .transform((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v === null ? '' : String(v)])))
  .optional()
  .transform((m) => m ?? {});

const optionalString = z.string().optional();

export const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap,
  startsAt: optionalString,
  endsAt: optionalString,
  generatorURL: optionalString,
  fingerprint: optionalString,
});

export const groupSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  receiver: optionalString,
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: optionalString,
  groupKey: optionalString,
  truncatedAlerts: z.number().int().min(0).optional(),
});

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses or throws 400 invalid_alert naming the sender and the first wrong fields. */
export function parseAlertBody<T extends z.ZodType>(schema: T, body: unknown, sender: string): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw Errors.invalidAlert(`This ${sender} notification cannot be read: ${zodMessage(r.error)}.`);
  }
  return r.data;
}

/**
 * Handlebars helpers for alert templates, registered on the shared engine. For stored overrides:
 *   {{alertTime startsAtISO}}            → "2026-05-01 14:03:05 UTC+8" in publish.timeZone
 *   {{alertTime startsAtISO "Asia/Tokyo"}} → in another zone
 *   {{alertDuration startsAtISO endsAtISO}} → "1h 5m" (to now while endsAtISO is empty)
 *   {{label labels "team" "nobody"}}       → a label's value or a fallback
 */
import type { HelperOptions } from 'handlebars';
import { hbs } from '../engine.js';
import { formatDuration, formatTime } from './format.js';

/** Handlebars passes its options object last: tell it from a real argument. */
const isOptions = (v: unknown): v is HelperOptions => typeof v === 'object' && v !== null && 'hash' in v && 'data' in v;

function rootZone(options: HelperOptions | undefined): string {
  const root = options?.data?.root as { timeZone?: unknown } | undefined;
  return typeof root?.timeZone === 'string' ? root.timeZone : 'UTC';
}

hbs.registerHelper('alertTime', (iso: unknown, zone: unknown, options?: HelperOptions) => {
  if (isOptions(zone)) return formatTime(iso, rootZone(zone));
  return formatTime(iso, typeof zone === 'string' && zone ? zone : rootZone(options));
});

hbs.registerHelper('alertDuration', (from: unknown, to: unknown) => formatDuration(from, isOptions(to) ? undefined : to));

hbs.registerHelper('label', (labels: unknown, name: unknown, fallback: unknown) => {
  const v = labels && typeof labels === 'object' && typeof name === 'string' ? (labels as Record<string, unknown>)[name] : undefined;
  if (typeof v === 'string' && v !== '' && Object.hasOwn(labels as object, name as string)) return v;
  return typeof fallback === 'string' ? fallback : '';
});

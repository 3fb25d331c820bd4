/**
 * Subscription filter policies, in Huawei SMN's `string_equals` semantics: a subscription with
 * `filter: {"severity": ["critical"], "team": ["db", "web"]}` receives a message only when every
 * named attribute equals one of its values. `level` is always the message's (or alert's) level.
 * https://support.huaweicloud.com/intl/en-us/usermanual-smn/smn_ug_0043.html
 */
import { z } from 'zod';

/** Attribute names: 1–32 letters, digits and `_`. */
export const ATTRIBUTE_NAME = /^[A-Za-z0-9_]{1,32}$/;
export const MAX_FILTER_NAMES = 10;
export const MAX_FILTER_VALUES = 10;
/** Longest value compared (alert attributes are clipped to this length as well). */
export const MAX_ATTRIBUTE_VALUE = 256;
/** The attribute that is always the message's level, whatever a sender calls its own attributes. */
export const LEVEL_ATTRIBUTE = 'level';

export type FilterPolicy = Record<string, string[]>;
export type Attributes = Record<string, string>;

const nameIssue = 'attribute names are 1-32 letters, digits or "_"';

export const filterSchema = z
  .record(
    z.string().regex(ATTRIBUTE_NAME, nameIssue),
    z
      .array(z.string().max(MAX_ATTRIBUTE_VALUE, `values are at most ${MAX_ATTRIBUTE_VALUE} characters`))
      .min(1, `each attribute needs 1-${MAX_FILTER_VALUES} values`)
      .max(MAX_FILTER_VALUES, `each attribute needs 1-${MAX_FILTER_VALUES} values`),
  )
  .refine((f) => Object.keys(f).length <= MAX_FILTER_NAMES, `a filter names at most ${MAX_FILTER_NAMES} attributes`)
  .meta({
    description:
      'SMN string_equals: every named attribute must equal one of its values. `level` is the message level; ' +
      "for Alertmanager and Grafana notifications, each alert's labels are its attributes.",
    example: { level: ['critical'], team: ['db'] },
  });

/** True when the attributes satisfy every rule of the filter; no filter (or `{}`) lets everything through. */
export function matchesFilter(filter: FilterPolicy | undefined, attributes: Attributes): boolean {
  if (!filter) return true;
  for (const [name, values] of Object.entries(filter)) {
    const v = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    if (v === undefined || !values.includes(v)) return false;
  }
  return true;
}

/** The indices of the items (alerts of a group) whose attributes satisfy the filter. */
export function matchingItems(filter: FilterPolicy | undefined, items: readonly Attributes[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < items.length; i++) if (matchesFilter(filter, items[i]!)) out.push(i);
  return out;
}

/** A filter as stored: names sorted, duplicate values dropped; `{}` is no filter. */
export function normalizeFilter(filter: FilterPolicy | null | undefined): FilterPolicy | undefined {
  if (!filter) return undefined;
  const names = Object.keys(filter).sort();
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((n) => [n, [...new Set(filter[n])]]));
}

/** "level=critical; team=db|web", for chat replies and logs. */
export function describeFilter(filter: FilterPolicy | undefined): string {
  if (!filter || Object.keys(filter).length === 0) return '';
  return Object.entries(filter)
    .map(([k, v]) => `${k}=${v.join('|')}`)
    .join('; ');
}

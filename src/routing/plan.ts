/**
 * Which subscriptions of a topic a draft reaches, and with what: the routing step between a
 * publish and its deliveries. Per subscription it applies the filter (to the message, or to each
 * alert of a grouped notification), the mute and the quiet hours. Subscriptions that see the same
 * alerts share one variant of the draft, so a template is rendered once per distinct subset of
 * alerts, never once per subscription. Pure: the clock is an argument.
 */
import type { Draft } from '../publish/draft.js';
import { type Attributes, LEVEL_ATTRIBUTE, matchingItems } from './filter.js';
import { inQuietHours, isHeld, type QuietHours, quietHoursEnd } from './quiet-hours.js';

/** What routing needs to know of a subscription. */
export interface RoutingRef {
  id: string;
  protocol: string;
  filter?: Record<string, string[]>;
  quietHours?: QuietHours;
  /** ISO time; muted while it lies ahead */
  mutedUntil?: string;
}

export type TargetStatus = 'pending' | 'muted' | 'held';

export interface Target<S extends RoutingRef = RoutingRef> {
  sub: S;
  /** index into `variants` (0: the draft as published) */
  variant: number;
  status: TargetStatus;
  /** held: when its quiet hours end (epoch ms) */
  releaseAt?: number;
  /** a grouped notification: the indices of the alerts this subscription gets */
  alerts?: number[];
}

export interface FanOutPlan<S extends RoutingRef = RoutingRef> {
  /** variants[0] is the draft as published; the others hold a subset of its alerts */
  variants: Draft[];
  targets: Target<S>[];
}

/** The attributes a filter sees for a whole message: the publish's attributes and its level. */
export const messageAttributes = (draft: Draft): Attributes => ({ ...draft.attributes, [LEVEL_ATTRIBUTE]: draft.level });

export const isMuted = (sub: Pick<RoutingRef, 'mutedUntil'>, now: number) => !!sub.mutedUntil && Date.parse(sub.mutedUntil) > now;

export function planFanOut<S extends RoutingRef>(draft: Draft, subs: readonly S[], now: number): FanOutPlan<S> {
  const variants: Draft[] = [draft];
  const targets: Target<S>[] = [];
  const alerts = draft.alerts?.attributes.length ? draft.alerts : undefined;
  // what routing sees: the message's attributes, or each alert's
  const items: readonly Attributes[] = alerts ? alerts.attributes : [messageAttributes(draft)];
  const all = items.map((_, i) => i);
  const byKey = new Map<string, number>([[all.join(','), 0]]);
  // the same array (one per distinct filter) is looked up by identity before its key is built
  const byArray = new Map<number[], number>();
  const variantOf = (indices: number[]): number => {
    if (!alerts) return 0;
    const known = byArray.get(indices);
    if (known !== undefined) return known;
    const key = indices.join(',');
    let v = byKey.get(key);
    if (v === undefined) {
      v = variants.push(alerts.select(indices)) - 1;
      byKey.set(key, v);
    }
    byArray.set(indices, v);
    return v;
  };
  // Subscriptions share a few filters and quiet hours: each distinct one is evaluated once.
  const matchedBy = new Map<string, number[]>();
  const quietBy = new Map<string, { held: Set<number>; releaseAt: number } | null>();
  const matchedOf = (filter: RoutingRef['filter']) => {
    const key = filter ? JSON.stringify(filter) : '';
    let m = matchedBy.get(key);
    if (!m) {
      m = filter ? matchingItems(filter, items) : all;
      matchedBy.set(key, m);
    }
    return m;
  };
  const quietOf = (q: QuietHours | undefined) => {
    if (!q) return null;
    const key = JSON.stringify(q);
    let r = quietBy.get(key);
    if (r === undefined) {
      r = inQuietHours(q, now) ? { held: new Set(all.filter((i) => isHeld(q, items[i]!, now))), releaseAt: quietHoursEnd(q, now) } : null;
      quietBy.set(key, r);
    }
    return r;
  };

  const push = (sub: S, indices: number[], status: TargetStatus, releaseAt?: number) => {
    // a muted subscription's record is never sent: it shares the published draft, nothing is rendered for it
    const t: Target<S> = { sub, variant: status === 'muted' ? 0 : variantOf(indices), status };
    if (releaseAt !== undefined) t.releaseAt = releaseAt;
    if (alerts) t.alerts = indices;
    targets.push(t);
  };
  for (const sub of subs) {
    const matched = matchedOf(sub.filter);
    if (matched.length === 0) continue;
    if (sub.mutedUntil && isMuted(sub, now)) {
      push(sub, matched, 'muted');
      continue;
    }
    const quiet = sub.quietHours ? quietOf(sub.quietHours) : null;
    if (!quiet || quiet.held.size === 0) {
      push(sub, matched, 'pending');
      continue;
    }
    const held = matched.filter((i) => quiet.held.has(i));
    const sendNow = held.length ? matched.filter((i) => !quiet.held.has(i)) : matched;
    if (sendNow.length) push(sub, sendNow, 'pending');
    if (held.length) push(sub, held, 'held', quiet.releaseAt);
  }
  return { variants, targets };
}

/** The subscriptions each variant goes to (to render it only for their protocols); muted ones are never sent. */
export function subsOfVariants<S extends RoutingRef>(plan: FanOutPlan<S>): S[][] {
  const out: S[][] = plan.variants.map(() => []);
  for (const t of plan.targets) if (t.status !== 'muted') out[t.variant]!.push(t.sub);
  return out;
}

/**
 * Which subscriptions of a topic a draft reaches, and with what: the routing step between a
 * publish and its deliveries. Per subscription it applies the filter (to the message, or to each
 * alert of a grouped notification), the mute and the quiet hours. Subscriptions that see the same
 * alerts share one variant of the draft, so a template is rendered once per distinct subset of
 * alerts, never once per subscription. Pure: the clock is an argument.
 */
import type { Draft } from '../publish/draft.js';
import { type Attributes, LEVEL_ATTRIBUTE, matchesFilter, matchingItems } from './filter.js';
import { isHeld, type QuietHours, quietHoursEnd } from './quiet-hours.js';

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
  const alerts = draft.alerts;
  const all = alerts ? alerts.attributes.map((_, i) => i) : [];
  const byKey = new Map<string, number>([[all.join(','), 0]]);
  const variantOf = (indices: number[]): number => {
    const key = indices.join(',');
    let v = byKey.get(key);
    if (v === undefined) {
      v = variants.push(alerts!.select(indices)) - 1;
      byKey.set(key, v);
    }
    return v;
  };

  for (const sub of subs) {
    const release = () => (sub.quietHours ? quietHoursEnd(sub.quietHours, now) : undefined);
    if (!alerts || alerts.attributes.length === 0) {
      const attrs = messageAttributes(draft);
      if (!matchesFilter(sub.filter, attrs)) continue;
      if (isMuted(sub, now)) targets.push({ sub, variant: 0, status: 'muted' });
      else if (isHeld(sub.quietHours, attrs, now)) targets.push({ sub, variant: 0, status: 'held', releaseAt: release() });
      else targets.push({ sub, variant: 0, status: 'pending' });
      continue;
    }
    const matched = matchingItems(sub.filter, alerts.attributes);
    if (matched.length === 0) continue;
    // a muted subscription's record is never sent: it shares the published draft, nothing is rendered for it
    if (isMuted(sub, now)) {
      targets.push({ sub, variant: 0, status: 'muted', alerts: matched });
      continue;
    }
    const sendNow: number[] = [];
    const held: number[] = [];
    for (const i of matched) (isHeld(sub.quietHours, alerts.attributes[i]!, now) ? held : sendNow).push(i);
    if (sendNow.length) targets.push({ sub, variant: variantOf(sendNow), status: 'pending', alerts: sendNow });
    if (held.length) targets.push({ sub, variant: variantOf(held), status: 'held', releaseAt: release(), alerts: held });
  }
  return { variants, targets };
}

/** The subscriptions each variant goes to (to render it only for their protocols). */
export function subsOfVariant<S extends RoutingRef>(plan: FanOutPlan<S>, variant: number): S[] {
  return plan.targets.filter((t) => t.variant === variant && t.status !== 'muted').map((t) => t.sub);
}

/**
 * One group of alerts → a Draft: subject "[FIRING:2] HighCPU", level from the worst firing
 * severity (success once all resolved), mentions from the alerts' labels and annotations, and the
 * template named after the sender (`alertmanager` / `grafana`) with the built-in variants as fallback.
 */
import { createHash } from 'node:crypto';
import type { Mentions } from '../../../adapters/types.js';
import type { Draft } from '../../publish/draft.js';
import { BUILTIN_ALERT_TEMPLATES } from './builtins.js';
import { type AlertContext, alertContext, type RawAlert, type RawGroup, type SilenceLinker } from './context.js';
import { severityLevel } from './format.js';
import './helpers.js';

/** The label/annotation names that ask for mentions (comma or space separated lists). */
export const MENTION_KEYS = { mobiles: 'mention_mobiles', users: 'mention_users', all: 'mention_all' } as const;

/** Same limits as the JSON intake's `mentions`. */
const MAX_MENTIONS = 100;
const MOBILE = /^\+?[0-9-]{5,20}$/;
const USER = /^[\w.@:-]{1,128}$/;
const SUBJECT_MAX_CHARS = 256;
const ATTRIBUTE_MAX_CHARS = 256;

const splitList = (v: string | undefined): string[] => (v ? v.split(/[\s,;]+/).filter(Boolean) : []);
const isTrue = (v: string | undefined) => /^(true|yes|1)$/i.test((v ?? '').trim());

/**
 * Mentions ping people when something breaks: they are read from the firing alerts (and the
 * group's common labels and annotations). A resolved-only notification mentions nobody; the
 * subscription's default mentions are still merged in at delivery.
 */
export function alertMentions(group: RawGroup): Mentions {
  const firing = group.alerts.filter((a) => a.status === 'firing');
  if (firing.length === 0) return {};
  const sources: Record<string, string>[] = [group.commonLabels, group.commonAnnotations];
  for (const a of firing) sources.push(a.labels, a.annotations);
  const mobiles = new Set<string>();
  const users = new Set<string>();
  let all = false;
  for (const s of sources) {
    for (const m of splitList(s[MENTION_KEYS.mobiles])) if (MOBILE.test(m)) mobiles.add(m);
    for (const u of splitList(s[MENTION_KEYS.users])) if (USER.test(u)) users.add(u);
    if (isTrue(s[MENTION_KEYS.all])) all = true;
  }
  const out: Mentions = {};
  if (all) out.all = true;
  if (mobiles.size) out.mobiles = [...mobiles].slice(0, MAX_MENTIONS);
  if (users.size) out.users = [...users].slice(0, MAX_MENTIONS);
  return out;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function attributes(ctx: AlertContext, group: RawGroup): Record<string, string> {
  const attrs: Record<string, string> = {
    source: ctx.source,
    status: ctx.status,
    firing: String(ctx.firingCount),
    resolved: String(ctx.resolvedCount),
  };
  const alertname = ctx.commonLabels.alertname ?? ctx.alerts[0]?.alertname;
  if (alertname) attrs.alertname = alertname;
  if (ctx.receiver) attrs.receiver = ctx.receiver;
  if (group.groupKey) attrs.groupKey = group.groupKey;
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, clip(v, ATTRIBUTE_MAX_CHARS)]));
}

/**
 * What a subscription's filter sees of one alert: its labels, plus `source`, `status` (firing or
 * resolved) and `level` (its severity's level while firing, success once resolved; always Herald's).
 */
export function alertAttributes(source: string, a: RawAlert): Record<string, string> {
  const firing = a.status === 'firing';
  const severity = [a.labels.severity, a.labels.priority, a.annotations.severity].map((v) => (v ?? '').trim()).find(Boolean);
  const attrs: Record<string, string> = { source, status: a.status, ...a.labels, level: firing ? severityLevel(severity) : 'success' };
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, clip(v, ATTRIBUTE_MAX_CHARS)]));
}

/** The same notification holding only some of its alerts (what one subscription's filter lets through). */
function subsetOf(group: RawGroup, indices: number[]): RawGroup {
  const alerts = indices.map((i) => group.alerts[i]!).filter(Boolean);
  // the sender's count of alerts it left out cannot be split: only the whole group mentions it
  return { ...group, alerts, status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved', truncatedAlerts: undefined };
}

/** One key per alert: Alertmanager's fingerprint, else a hash of its labels (Grafana sends one too). */
export const alertKey = (a: RawAlert): string =>
  a.fingerprint?.trim() ||
  createHash('sha256')
    .update(JSON.stringify(Object.entries(a.labels).sort(([x], [y]) => (x < y ? -1 : 1))))
    .digest('base64url')
    .slice(0, 22);

export function alertDraft(source: 'alertmanager' | 'grafana', group: RawGroup, timeZone: string, now = Date.now(), silenceLink?: SilenceLinker): Draft {
  const ctx = alertContext(source, group, timeZone, now, silenceLink);
  return {
    source,
    subject: clip(ctx.title, SUBJECT_MAX_CHARS),
    level: ctx.level,
    mentions: alertMentions(group),
    attributes: attributes(ctx, group),
    alertKeys: group.alerts.map(alertKey),
    format: 'markdown',
    template: { name: source, context: ctx as unknown as Record<string, unknown>, builtin: BUILTIN_ALERT_TEMPLATES },
    alerts: {
      attributes: group.alerts.map((a) => alertAttributes(source, a)),
      select: (indices) => {
        const d = alertDraft(source, subsetOf(group, indices), timeZone, now, silenceLink);
        delete d.alerts;
        return d;
      },
    },
  };
}

export type { RawAlert, RawGroup };

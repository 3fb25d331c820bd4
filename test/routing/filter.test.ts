/** Filter policies (SMN string_equals), quiet hours, durations and the fan-out plan, as pure functions. */
import { describe, expect, it } from 'vitest';
import { alertDraft, type RawGroup } from '../../src/templates/alerts/alert-draft.js';
import type { Draft } from '../../src/publish/draft.js';
import { parseDuration } from '../../src/alerts/duration.js';
import { filterSchema, matchesFilter, matchingItems, normalizeFilter } from '../../src/routing/filter.js';
import { planFanOut, type RoutingRef, subsOfVariants } from '../../src/routing/plan.js';
import { inQuietHours, isHeld, type QuietHours, quietHoursEnd, quietHoursSchema } from '../../src/routing/quiet-hours.js';

describe('filter policy', () => {
  it('needs every named attribute to equal one of its values', () => {
    const f = { level: ['critical', 'error'], team: ['db'] };
    expect(matchesFilter(f, { level: 'critical', team: 'db', extra: 'x' })).toBe(true);
    expect(matchesFilter(f, { level: 'error', team: 'db' })).toBe(true);
    expect(matchesFilter(f, { level: 'warning', team: 'db' })).toBe(false);
    expect(matchesFilter(f, { level: 'critical', team: 'web' })).toBe(false);
    expect(matchesFilter(f, { level: 'critical' })).toBe(false); // a missing attribute never matches
  });

  it('compares exactly: case, whitespace and prefixes differ', () => {
    const f = { team: ['db'] };
    expect(matchesFilter(f, { team: 'DB' })).toBe(false);
    expect(matchesFilter(f, { team: 'db ' })).toBe(false);
    expect(matchesFilter(f, { team: 'db1' })).toBe(false);
  });

  it('lets everything through without a filter, and is not fooled by inherited names', () => {
    expect(matchesFilter(undefined, {})).toBe(true);
    expect(matchesFilter({}, { a: '1' })).toBe(true);
    expect(matchesFilter({ toString: ['x'] }, {})).toBe(false);
  });

  it('picks the matching items of a group', () => {
    expect(matchingItems({ severity: ['critical'] }, [{ severity: 'warning' }, { severity: 'critical' }, {}])).toEqual([1]);
    expect(matchingItems(undefined, [{}, {}])).toEqual([0, 1]);
  });

  it('accepts names of 1-32 letters, digits and _, at most 10 of them, each with 1-10 values', () => {
    const ok = (f: unknown) => filterSchema.safeParse(f).success;
    expect(ok({ a: ['1'] })).toBe(true);
    expect(ok({ [`A_${'x'.repeat(30)}`]: ['v'] })).toBe(true); // 32 characters
    expect(ok({ [`A_${'x'.repeat(31)}`]: ['v'] })).toBe(false); // 33
    expect(ok({ '': ['v'] })).toBe(false);
    expect(ok({ 'team-name': ['v'] })).toBe(false);
    expect(ok({ 'a.b': ['v'] })).toBe(false);
    expect(ok({ a: [] })).toBe(false);
    expect(ok({ a: Array.from({ length: 10 }, (_, i) => `v${i}`) })).toBe(true);
    expect(ok({ a: Array.from({ length: 11 }, (_, i) => `v${i}`) })).toBe(false);
    expect(ok(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`n${i}`, ['v']])))).toBe(true);
    expect(ok(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`n${i}`, ['v']])))).toBe(false);
    expect(ok({ a: 'v' })).toBe(false);
    expect(ok({ a: [1] })).toBe(false);
    expect(ok(['a'])).toBe(false);
  });

  it('is stored with names sorted and duplicate values dropped; {} is no filter', () => {
    expect(normalizeFilter({ b: ['1', '1'], a: ['2'] })).toEqual({ a: ['2'], b: ['1'] });
    expect(Object.keys(normalizeFilter({ b: ['1'], a: ['2'] })!)).toEqual(['a', 'b']);
    expect(normalizeFilter({})).toBeUndefined();
    expect(normalizeFilter(null)).toBeUndefined();
  });
});

describe('durations (of a mute)', () => {
  it('reads what people type', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1W')).toBe(604_800_000);
    for (const bad of ['', 'h', '2x', '-1h', '0m', '1.5h', '2 h']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});

describe('quiet hours', () => {
  const shanghai: QuietHours = { from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai' };
  // 2026-05-01 23:30 in Shanghai is 15:30 UTC
  const at = (iso: string) => Date.parse(iso);

  it('spans midnight when from is later than to, in the zone given', () => {
    expect(inQuietHours(shanghai, at('2026-05-01T15:30:00Z'))).toBe(true); // 23:30 local
    expect(inQuietHours(shanghai, at('2026-05-01T14:00:00Z'))).toBe(true); // 22:00 local: from is inside
    expect(inQuietHours(shanghai, at('2026-05-01T13:59:00Z'))).toBe(false); // 21:59
    expect(inQuietHours(shanghai, at('2026-05-01T23:59:00Z'))).toBe(true); // 07:59
    expect(inQuietHours(shanghai, at('2026-05-02T00:00:00Z'))).toBe(false); // 08:00: to is outside
    expect(inQuietHours(shanghai, at('2026-05-02T04:00:00Z'))).toBe(false); // 12:00
  });

  it('works within one day too', () => {
    const lunch: QuietHours = { from: '12:00', to: '13:30', timeZone: 'UTC' };
    expect(inQuietHours(lunch, at('2026-05-01T12:45:00Z'))).toBe(true);
    expect(inQuietHours(lunch, at('2026-05-01T13:30:00Z'))).toBe(false);
    expect(inQuietHours(lunch, at('2026-05-01T11:59:59Z'))).toBe(false);
  });

  it('ends at the next local "to"', () => {
    expect(new Date(quietHoursEnd(shanghai, at('2026-05-01T15:30:12Z'))).toISOString()).toBe('2026-05-02T00:00:00.000Z');
    expect(new Date(quietHoursEnd(shanghai, at('2026-05-01T23:59:59Z'))).toISOString()).toBe('2026-05-02T00:00:00.000Z');
  });

  it('ends at the right instant across a daylight-saving change', () => {
    // Berlin springs forward on 2026-03-29 at 02:00 local (01:00 UTC): 08:00 local is then 06:00 UTC
    const berlin: QuietHours = { from: '22:00', to: '08:00', timeZone: 'Europe/Berlin' };
    const night = at('2026-03-28T22:30:00Z'); // 23:30 CET
    expect(inQuietHours(berlin, night)).toBe(true);
    expect(new Date(quietHoursEnd(berlin, night)).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    // and falls back on 2026-10-25: 08:00 local is then 07:00 UTC
    expect(new Date(quietHoursEnd(berlin, at('2026-10-24T21:00:00Z'))).toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });

  it('lets excepted messages through', () => {
    const q: QuietHours = { ...shanghai, except: { level: ['critical'] } };
    const night = at('2026-05-01T15:30:00Z');
    expect(isHeld(q, { level: 'critical' }, night)).toBe(false);
    expect(isHeld(q, { level: 'warning' }, night)).toBe(true);
    expect(isHeld(q, { level: 'warning' }, at('2026-05-01T04:00:00Z'))).toBe(false);
    expect(isHeld(undefined, { level: 'warning' }, night)).toBe(false);
  });

  it('validates its fields', () => {
    const ok = (v: unknown) => quietHoursSchema.safeParse(v).success;
    expect(ok(shanghai)).toBe(true);
    expect(ok({ ...shanghai, except: { level: ['critical'] } })).toBe(true);
    expect(ok({ ...shanghai, from: '24:00' })).toBe(false);
    expect(ok({ ...shanghai, from: '7:00' })).toBe(false);
    expect(ok({ ...shanghai, to: '22:00' })).toBe(false);
    expect(ok({ ...shanghai, timeZone: 'Mars/Olympus' })).toBe(false);
    expect(ok({ ...shanghai, except: { 'bad name': ['x'] } })).toBe(false);
    expect(ok({ ...shanghai, extra: 1 })).toBe(false);
    expect(ok({ from: '22:00', to: '08:00' })).toBe(false);
  });
});

const text = (body: string, level: Draft['level'] = 'info', attributes: Record<string, string> = {}): Draft => ({
  source: 'json',
  level,
  mentions: {},
  attributes,
  format: 'text',
  bodies: { default: body },
});

const group = (alerts: { severity: string; team: string; status?: 'firing' | 'resolved' }[]): RawGroup => ({
  status: 'firing',
  receiver: 'herald',
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull' },
  commonAnnotations: {},
  alerts: alerts.map((a, i) => ({
    status: a.status ?? 'firing',
    labels: { alertname: 'DiskFull', instance: `host-${i}`, severity: a.severity, team: a.team },
    annotations: { summary: `disk ${i}` },
    startsAt: '2026-05-01T06:00:00Z',
  })),
});

describe('fan-out plan', () => {
  const now = Date.parse('2026-05-01T04:00:00Z');
  const critical: RoutingRef = { id: 'scrit', protocol: 'webhook', filter: { level: ['critical'] } };
  const db: RoutingRef = { id: 'sdb', protocol: 'webhook', filter: { team: ['db'] } };
  const all: RoutingRef = { id: 'sall', protocol: 'lark' };

  it('sends a message only to the subscriptions whose filter it matches; level is the message level', () => {
    const p = planFanOut(text('x', 'critical', { team: 'web' }), [critical, db, all], now);
    expect(p.targets.map((t) => t.sub.id)).toEqual(['scrit', 'sall']);
    const q = planFanOut(text('x', 'info', { team: 'db' }), [critical, db, all], now);
    expect(q.targets.map((t) => t.sub.id)).toEqual(['sdb', 'sall']);
    expect(q.variants).toHaveLength(1);
  });

  it('gives each subscription only the alerts of a group that match it, one variant per distinct subset', () => {
    const g = group([
      { severity: 'critical', team: 'db' },
      { severity: 'warning', team: 'db' },
      { severity: 'critical', team: 'web' },
    ]);
    const draft = alertDraft('alertmanager', g, 'UTC', now);
    const critical2: RoutingRef = { id: 'scrit2', protocol: 'webhook', filter: { severity: ['critical'] } };
    const p = planFanOut(draft, [critical, db, all, critical2], now);
    const byId = Object.fromEntries(p.targets.map((t) => [t.sub.id, t]));
    expect(byId.scrit!.alerts).toEqual([0, 2]);
    expect(byId.sdb!.alerts).toEqual([0, 1]);
    expect(byId.sall!.variant).toBe(0);
    // same subset, same variant: rendered once
    expect(byId.scrit2!.variant).toBe(byId.scrit!.variant);
    expect(p.variants).toHaveLength(3);
    const crit = p.variants[byId.scrit!.variant]!;
    expect(crit.subject).toBe('[FIRING:2] DiskFull');
    expect(crit.level).toBe('critical');
    expect((crit.template!.context.alerts as { instance: string }[]).map((a) => a.instance)).toEqual(['host-0', 'host-2']);
    const dbv = p.variants[byId.sdb!.variant]!;
    expect((dbv.template!.context.alerts as { instance: string }[]).map((a) => a.instance)).toEqual(['host-0', 'host-1']);
    expect(subsOfVariants(p)[byId.scrit!.variant]!.map((s) => s.id)).toEqual(['scrit', 'scrit2']);
  });

  it('sends nothing to a subscription none of whose alerts match', () => {
    const draft = alertDraft('alertmanager', group([{ severity: 'warning', team: 'web' }]), 'UTC', now);
    expect(planFanOut(draft, [critical, db], now).targets).toEqual([]);
  });

  it('reads a resolved alert as level success, and its status', () => {
    const draft = alertDraft('alertmanager', group([{ severity: 'critical', team: 'db', status: 'resolved' }, { severity: 'critical', team: 'db' }]), 'UTC', now);
    expect(draft.alerts!.attributes.map((a) => [a.level, a.status])).toEqual([
      ['success', 'resolved'],
      ['critical', 'firing'],
    ]);
    const resolvedOnly: RoutingRef = { id: 'sres', protocol: 'webhook', filter: { status: ['resolved'] } };
    const [t] = planFanOut(draft, [resolvedOnly], now).targets;
    expect(t!.alerts).toEqual([0]);
  });

  it('records a muted subscription as muted, and not once the mute ended', () => {
    const muted: RoutingRef = { id: 'smute', protocol: 'webhook', mutedUntil: new Date(now + 60_000).toISOString() };
    expect(planFanOut(text('x'), [muted], now).targets[0]!.status).toBe('muted');
    expect(planFanOut(text('x'), [muted], now + 60_000).targets[0]!.status).toBe('pending');
    // a muted subscription still only gets a record for what its filter matches
    expect(planFanOut(text('x'), [{ ...muted, filter: { level: ['critical'] } }], now).targets).toEqual([]);
  });

  it('holds what quiet hours hold until they end, and lets excepted alerts through at once', () => {
    const night = Date.parse('2026-05-01T15:30:00Z'); // 23:30 Shanghai
    const quiet: RoutingRef = { id: 'sq', protocol: 'webhook', quietHours: { from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai', except: { level: ['critical'] } } };
    const [held] = planFanOut(text('x', 'warning'), [quiet], night).targets;
    expect(held).toMatchObject({ status: 'held', releaseAt: Date.parse('2026-05-02T00:00:00Z') });
    expect(planFanOut(text('x', 'critical'), [quiet], night).targets[0]!.status).toBe('pending');
    const draft = alertDraft('alertmanager', group([{ severity: 'critical', team: 'db' }, { severity: 'warning', team: 'db' }]), 'UTC', night);
    const split = planFanOut(draft, [quiet], night).targets;
    expect(split.map((t) => [t.status, t.alerts])).toEqual([
      ['pending', [0]],
      ['held', [1]],
    ]);
  });
});

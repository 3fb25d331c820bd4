/**
 * The alert intakes without HTTP: shape detection, levels from severities, mentions from labels,
 * times in a zone, links kept safe, alert storms capped, and the built-in templates per platform.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Draft } from '../../src/publish/draft.js';
import { alertmanagerIntake } from '../../src/publish/intakes/alertmanager.js';
import { grafanaIntake } from '../../src/publish/intakes/grafana.js';
import { intakes } from '../../src/publish/intakes/index.js';
import { render } from '../../src/templates/engine.js';
import { MAX_ALERTS_SHOWN } from '../../src/templates/alerts/context.js';
import { formatDuration, formatTime, safeUrl, severityLevel } from '../../src/templates/alerts/format.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));
const ctx = { topic: 'ops', timeZone: 'UTC' };
const body = (d: Draft, protocol: string) => render(d.template!.builtin![protocol]!, { topic: 'ops', ...d.template!.context });

const am = (over: Record<string, unknown> = {}, alerts: Record<string, unknown>[] = [{}]) => ({
  ...fixture('alertmanager-firing'),
  alerts: alerts.map((a, i) => ({
    status: 'firing',
    labels: { alertname: 'HighLoad', instance: `node-${i}` },
    annotations: {},
    startsAt: '2026-05-01T06:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    ...a,
  })),
  ...over,
});

describe('detecting the sender', () => {
  const pick = (b: unknown, type = 'application/json') => intakes.find((i) => i.detect(b, type))?.name;
  it.each([
    ['Alertmanager (version 4)', 'alertmanager', fixture('alertmanager-firing')],
    ['Grafana (orgId)', 'grafana', fixture('grafana-firing')],
    ['Grafana resolved', 'grafana', fixture('grafana-resolved')],
    ['a JSON message', 'json', { message: 'hi' }],
    ['a JSON message that happens to have alerts', 'json', { message: 'hi', alerts: [] }],
    ['an Alertmanager-like body of another version', 'json', { ...fixture('alertmanager-firing'), version: '3' }],
    ['text', 'text', 'backup done'],
  ])('%s → %s', (_n, expected, b) => {
    expect(pick(b)).toBe(expected);
  });
});

describe('levels', () => {
  it.each([
    ['critical', 'critical'],
    ['P1', 'critical'],
    ['error', 'error'],
    ['major', 'error'],
    ['Warning', 'warning'],
    ['info', 'info'],
    ['none', 'info'],
    ['', 'error'],
    ['whatever', 'error'],
  ])('severity %j → %s', (severity, level) => {
    expect(severityLevel(severity)).toBe(level);
  });

  it('a group takes its worst firing severity; resolved alerts do not count', () => {
    const d = alertmanagerIntake.read(
      am({}, [
        { labels: { alertname: 'A', severity: 'warning' } },
        { labels: { alertname: 'B', severity: 'critical' }, status: 'resolved', endsAt: '2026-05-01T06:10:00Z' },
        { labels: { alertname: 'C', severity: 'info' } },
      ]),
      ctx,
    );
    expect(d.level).toBe('warning');
    expect(d.subject).toBe('[FIRING:2] HighErrorRate');
  });

  it('an all-resolved group is success', () => {
    const d = alertmanagerIntake.read(am({ status: 'resolved' }, [{ status: 'resolved', endsAt: '2026-05-01T06:10:00Z' }]), ctx);
    expect(d.level).toBe('success');
    expect(d.subject).toBe('[RESOLVED] HighErrorRate');
  });
});

describe('mentions from labels and annotations', () => {
  it('collects mention_mobiles, mention_users and mention_all from firing alerts and common labels, dropping what is not a mention', () => {
    const d = alertmanagerIntake.read(
      am({ commonLabels: { mention_users: 'lead' } }, [
        { labels: { alertname: 'A', mention_mobiles: '13800001111,  +86-13800002222;bogus' } },
        { annotations: { mention_users: 'ou_abc ou_def', mention_all: 'true' } },
        { status: 'resolved', labels: { alertname: 'B', mention_mobiles: '13900009999' } },
      ]),
      ctx,
    );
    expect(d.mentions).toEqual({ all: true, mobiles: ['13800001111', '+86-13800002222'], users: ['lead', 'ou_abc', 'ou_def'] });
  });

  it('mentions nobody for a resolved-only notification', () => {
    const d = alertmanagerIntake.read(am({ status: 'resolved' }, [{ status: 'resolved', labels: { alertname: 'A', mention_all: 'true' } }]), ctx);
    expect(d.mentions).toEqual({});
  });
});

describe('times and links', () => {
  it('prints times in the configured zone with its offset, and Go zero times as nothing', () => {
    expect(formatTime('2026-05-01T06:03:05.157Z', 'UTC')).toBe('2026-05-01 06:03:05 UTC');
    expect(formatTime('2026-05-01T06:03:05Z', 'Asia/Shanghai')).toBe('2026-05-01 14:03:05 UTC+8');
    expect(formatTime('2026-01-15T06:03:05Z', 'America/New_York')).toBe('2026-01-15 01:03:05 UTC-5');
    expect(formatTime('2026-05-01T06:03:05Z', 'Asia/Kolkata')).toBe('2026-05-01 11:33:05 UTC+5:30');
    expect(formatTime('0001-01-01T00:00:00Z', 'UTC')).toBe('');
    expect(formatTime('not a time', 'UTC')).toBe('');
  });

  it('prints durations in their two largest units', () => {
    expect(formatDuration('2026-05-01T06:00:00Z', '2026-05-01T06:00:42Z')).toBe('42s');
    expect(formatDuration('2026-05-01T06:00:00Z', '2026-05-01T07:05:30Z')).toBe('1h 5m');
    expect(formatDuration('2026-05-01T06:00:00Z', '2026-05-03T07:00:00Z')).toBe('2d 1h');
    expect(formatDuration('2026-05-01T06:00:00Z', '0001-01-01T00:00:00Z', Date.parse('2026-05-01T06:30:00Z'))).toBe('30m');
  });

  it('keeps only http(s) links and escapes what would end a markdown link', () => {
    expect(safeUrl('javascript:alert(1)')).toBe('');
    expect(safeUrl('/relative/path')).toBe('');
    expect(safeUrl('https://g.example.com/d/x?q=rate(x[5m])')).toBe('https://g.example.com/d/x?q=rate%28x[5m]%29');
  });

  it('builds an Alertmanager silence link from externalURL and the alert labels, without mention labels', () => {
    const d = alertmanagerIntake.read(fixture('alertmanager-firing'), ctx);
    const text = body(d, 'default');
    const silence = /\[Silence\]\(([^)]+)\)/.exec(text)![1]!;
    const filter = decodeURIComponent(silence.split('filter=')[1]!);
    expect(silence.startsWith('http://alertmanager.example.com:9093/#/silences/new?filter=')).toBe(true);
    expect(filter).toBe('{alertname="HighErrorRate", instance="api-1:8080", job="api", severity="critical"}');
  });

  it('drops a javascript: generatorURL instead of linking it', () => {
    const d = alertmanagerIntake.read(am({}, [{ generatorURL: 'javascript:alert(1)' }]), ctx);
    expect(body(d, 'lark')).not.toContain('javascript:');
    expect(body(d, 'lark')).not.toContain('[Source]');
  });

  it('reduces javascript: and data: markdown links in annotations to their text, in every built-in template', () => {
    const annotations = {
      summary: 'Load high, see [the runbook](javascript:alert(document.cookie))',
      description: 'Graph: ![graph](data:text/html;base64,PHNjcmlwdD4=) or [ok](https://grafana.example.com/d/1) or <javascript:alert(1)>',
    };
    const d = alertmanagerIntake.read(am({ commonAnnotations: annotations }, [{ annotations }]), ctx);
    const protocols = Object.keys(d.template!.builtin!);
    expect(protocols.length).toBeGreaterThan(3);
    for (const p of protocols) {
      const text = body(d, p);
      expect(text, p).not.toMatch(/\]\(\s*(javascript|data):/i);
      expect(text, p).not.toMatch(/<javascript:/i);
      expect(text, p).toContain('the runbook');
    }
    // the safe link is kept
    expect(body(d, 'default' in d.template!.builtin! ? 'default' : protocols[0]!)).toContain('](https://grafana.example.com/d/1)');
    // the template context carries the cleaned text too (custom templates read it)
    expect(JSON.stringify(d.template!.context)).not.toMatch(/\]\((javascript|data):/i);
  });
});

describe('built-in templates', () => {
  it('prints at most MAX_ALERTS_SHOWN alerts and counts the rest, with the sender’s truncatedAlerts', () => {
    const alerts = Array.from({ length: MAX_ALERTS_SHOWN + 5 }, () => ({}));
    const d = alertmanagerIntake.read(am({ truncatedAlerts: 7 }, alerts), ctx);
    const text = body(d, 'wecom');
    expect(text.match(/\*\*HighLoad\*\*/g)).toHaveLength(MAX_ALERTS_SHOWN);
    expect(text).toContain('… and 12 more');
    expect(text).toContain(`${MAX_ALERTS_SHOWN + 5} firing`);
  });

  it('breaks DingTalk lines with blank lines (its markdown joins single newlines)', () => {
    const d = grafanaIntake.read(fixture('grafana-resolved'), ctx);
    const text = body(d, 'dingtalk');
    expect(text).toContain('**RESOLVED** · 1 resolved\n\n✅ **High memory usage** · web-1:9100\n\nMemory above 90% on web-1\n\n');
    expect(text).not.toMatch(/[^\n]\n[^\n]/);
  });

  it('colours the status where the platform can: Lark <font color>, WeCom warning/info', () => {
    const firing = grafanaIntake.read(fixture('grafana-firing'), ctx);
    const resolved = grafanaIntake.read(fixture('grafana-resolved'), ctx);
    expect(body(firing, 'lark')).toMatch(/^<font color='red'>\*\*FIRING\*\*<\/font> · 2 firing\n\n/);
    expect(body(resolved, 'lark')).toMatch(/^<font color='green'>\*\*RESOLVED\*\*<\/font>/);
    expect(body(firing, 'wecom')).toMatch(/^<font color="warning">\*\*FIRING\*\*<\/font>/);
    expect(body(resolved, 'wecom')).toMatch(/^<font color="info">\*\*RESOLVED\*\*<\/font>/);
  });

  it('reads label values that are numbers or booleans from a hand-written sender', () => {
    const d = alertmanagerIntake.read(am({}, [{ labels: { alertname: 'Up', replicas: 3, critical: true } }]), ctx);
    expect(body(d, 'default')).toContain('Labels: replicas=3, critical=true');
  });
});

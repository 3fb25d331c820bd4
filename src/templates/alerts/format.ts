/** Small formatting pieces of the alert templates: times in the configured zone, durations, safe links, severities. */
import type { Level } from '../../../adapters/types.js';

/** Alertmanager and Grafana write Go's zero time ("0001-01-01T00:00:00Z") for "no end yet". */
const EPOCH_MS = 0;

export function parseTime(iso: unknown): Date | undefined {
  if (typeof iso !== 'string' || iso === '') return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) || d.getTime() <= EPOCH_MS ? undefined : d;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** "2026-05-01 14:03:05 UTC+8": readable in the configured zone, with the offset so nobody has to guess. */
export function formatTime(iso: unknown, timeZone: string): string {
  const d = parseTime(iso);
  if (!d) return '';
  let f: Intl.DateTimeFormat;
  try {
    f = formatterFor(timeZone);
  } catch {
    f = formatterFor('UTC');
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  const zone = String(p.timeZoneName ?? 'GMT').replace(/^(GMT|UTC)([+-]0)?$/, 'UTC').replace(/^GMT/, 'UTC');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zone}`;
}

/** "3h 5m", "42s": how long an alert fired (to its end, or to `now` while it still fires). */
export function formatDuration(fromIso: unknown, toIso: unknown, now = Date.now()): string {
  const from = parseTime(fromIso);
  if (!from) return '';
  const to = parseTime(toIso)?.getTime() ?? now;
  let s = Math.max(0, Math.round((to - from.getTime()) / 1000));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, !d && !h && s && `${s}s`].filter(Boolean);
  return parts.length ? parts.slice(0, 2).join(' ') : '0s';
}

/**
 * Only http(s) links reach a message, with the characters that would end a markdown link target
 * escaped; anything else (javascript:, relative paths, garbage) is dropped.
 */
export function safeUrl(url: unknown): string {
  if (typeof url !== 'string' || url === '') return '';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    return u.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  } catch {
    return '';
  }
}

/** Schemes a link in alert text may keep: anything else (javascript:, data:, vbscript:, file: …) is dropped. */
const LINK_SCHEMES = /^(https?:\/\/|mailto:)/i;
/** `[text](dest "title")` and `![alt](dest)`; dest may hold one level of parentheses (`javascript:alert(1)`). */
const MD_LINK = /(!?)\[((?:[^[\]\\]|\\.)*)\]\(\s*(<[^>]*>|(?:[^()\s\\]|\\.|\((?:[^()\\]|\\.)*\))*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
/** `<scheme:…>` autolinks */
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^<>\s]*)>/gi;

/**
 * Alert text (annotations) comes from whoever writes the alert rules: a markdown link or image to
 * anything but http(s) or mailto is reduced to its text, and such an autolink to its bare text, so a
 * `[runbook](javascript:…)` or `data:` URL never reaches a chat message as a link.
 */
export function withoutUnsafeLinks(text: string): string {
  if (!text.includes('](') && !text.includes('<')) return text;
  return text
    .replace(MD_LINK, (whole, _bang: string, label: string, dest: string) => {
      // spaces and control characters inside a scheme (`java\tscript:`) do not hide it
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
      const target = dest.replace(/^<|>$/g, '').replace(/[\u0000-\u0020\u007f]+/g, '');
      return LINK_SCHEMES.test(target) ? whole : label;
    })
    .replace(AUTOLINK, (whole, target: string) => (LINK_SCHEMES.test(target) ? whole : target.replace(/^[^:]+:/, (s) => s.replace(':', ': '))));
}

/** Every value of an annotations map through withoutUnsafeLinks. */
export function safeAnnotations(annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) out[k] = typeof v === 'string' ? withoutUnsafeLinks(v) : v;
  return out;
}

/** The `severity` label's usual spellings (Prometheus, Grafana, Zabbix-style P1–P5) mapped to Herald's levels. */
const SEVERITY_LEVELS: Readonly<Record<string, Level>> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  disaster: 'critical',
  page: 'critical',
  p1: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  average: 'warning',
  minor: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  p4: 'info',
  p5: 'info',
};

/** A firing alert without a severity label we know is still a problem: shown as an error. */
export const UNKNOWN_SEVERITY_LEVEL: Level = 'error';

export function severityLevel(severity: string | undefined): Level {
  return SEVERITY_LEVELS[(severity ?? '').trim().toLowerCase()] ?? UNKNOWN_SEVERITY_LEVEL;
}

const LEVEL_RANK: Readonly<Record<Level, number>> = { success: 0, info: 1, warning: 2, error: 3, critical: 4 };

export const worstLevel = (levels: Level[], fallback: Level): Level =>
  levels.reduce((worst, l) => (LEVEL_RANK[l] > LEVEL_RANK[worst] ? l : worst), fallback);

/** One glyph per alert in the body, so a mixed group reads at a glance (the adapters mark the whole message). */
export const ALERT_MARKERS: Readonly<Record<Level | 'resolved', string>> = {
  critical: '🚨',
  error: '🔴',
  warning: '🟠',
  info: '🔵',
  success: '✅',
  resolved: '✅',
};

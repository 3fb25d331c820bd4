/**
 * What the alert templates see: one group of alerts (an Alertmanager or Grafana notification)
 * turned into ready-to-print fields — status and counts, per-alert name, instance, severity,
 * summary, description, times in the configured zone, and links.
 */
import type { Level } from '../../../adapters/types.js';
import { ALERT_MARKERS, formatDuration, formatTime, safeAnnotations, safeUrl, severityLevel, UNKNOWN_SEVERITY_LEVEL, worstLevel } from './format.js';

/** One alert as both senders write it (Grafana adds silence/dashboard/panel links and values). */
export interface RawAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  imageURL?: string;
  valueString?: string;
}

export interface RawGroup {
  status: 'firing' | 'resolved';
  receiver?: string;
  alerts: RawAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL?: string;
  groupKey?: string;
  truncatedAlerts?: number;
}

/** Alerts printed in one message; the rest are counted ("… and 12 more"), so a storm stays one readable message. */
export const MAX_ALERTS_SHOWN = 20;

/** Labels that steer Herald (mentions) or Grafana internals: not shown among an alert's labels. */
const HIDDEN_LABEL = /^(mention_|__)/;
/** Labels already printed in their own place. */
const SHOWN_ELSEWHERE = new Set(['alertname', 'instance', 'severity']);

export interface Link {
  name: string;
  url: string;
}

export interface AlertView {
  status: 'firing' | 'resolved';
  firing: boolean;
  statusText: 'FIRING' | 'RESOLVED';
  alertname: string;
  instance: string;
  severity: string;
  level: Level;
  marker: string;
  summary: string;
  description: string;
  /** readable in the configured zone; endsAt only once resolved */
  startsAt: string;
  endsAt: string;
  /** "firing for" / "lasted" */
  duration: string;
  startsAtISO: string;
  endsAtISO: string;
  value: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** the labels not printed elsewhere, as "name=value" */
  otherLabels: string[];
  generatorURL: string;
  silenceURL: string;
  dashboardURL: string;
  panelURL: string;
  runbookURL: string;
  imageURL: string;
  links: Link[];
  fingerprint: string;
}

export interface AlertContext {
  source: string;
  status: 'firing' | 'resolved';
  statusText: 'FIRING' | 'RESOLVED';
  firingCount: number;
  resolvedCount: number;
  /** "2 firing, 1 resolved" */
  counts: string;
  title: string;
  level: Level;
  receiver: string;
  alerts: AlertView[];
  firingAlerts: AlertView[];
  resolvedAlerts: AlertView[];
  /** alerts left out of this message: ours beyond MAX_ALERTS_SHOWN plus the sender's truncatedAlerts */
  moreCount: number;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  timeZone: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** Herald's own signed silence link for a firing alert (src/alerts/silence-link.ts), when configured. */
export type SilenceLinker = (alert: { alertname: string; labels: Record<string, string>; fingerprint?: string }) => string;

/** Alertmanager's own UI silence form, pre-filled with the alert's labels. */
function alertmanagerSilenceURL(externalURL: string, labels: Record<string, string>): string {
  const base = safeUrl(externalURL);
  if (!base) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const matchers = Object.entries(labels)
    .filter(([k]) => !HIDDEN_LABEL.test(k))
    .map(([k, v]) => `${k}="${esc(v)}"`);
  return safeUrl(`${base.replace(/\/+$/, '')}/#/silences/new?filter=${encodeURIComponent(`{${matchers.join(', ')}}`)}`);
}

function alertView(a: RawAlert, group: RawGroup, timeZone: string, now: number, silenceLink?: SilenceLinker): AlertView {
  const labels = a.labels;
  // link URLs below come from the raw values (each through safeUrl); the text keeps no unsafe link
  const raw = a.annotations;
  const annotations = safeAnnotations(raw);
  const firing = a.status === 'firing';
  const severity = str(labels.severity) || str(labels.priority) || str(annotations.severity);
  const level = severityLevel(severity);
  const generatorURL = safeUrl(a.generatorURL);
  const alertname = str(labels.alertname) || str(group.commonLabels.alertname) || 'alert';
  // Grafana's own silenceURL wins; an Alertmanager alert gets Herald's signed link when links are on.
  const heraldLink = firing && silenceLink && !a.silenceURL ? silenceLink({ alertname, labels, fingerprint: str(a.fingerprint) || undefined }) : '';
  const silenceURL = safeUrl(a.silenceURL) || safeUrl(heraldLink) || alertmanagerSilenceURL(group.externalURL ?? '', labels);
  const dashboardURL = safeUrl(a.dashboardURL) || safeUrl(raw.dashboard_url ?? raw.dashboard);
  const panelURL = safeUrl(a.panelURL) || safeUrl(raw.panel_url);
  const runbookURL = safeUrl(raw.runbook_url ?? raw.runbook);
  const links: Link[] = [
    { name: 'Source', url: generatorURL },
    { name: 'Dashboard', url: dashboardURL },
    { name: 'Panel', url: panelURL },
    { name: 'Runbook', url: runbookURL },
    { name: firing ? 'Silence' : '', url: firing ? silenceURL : '' },
  ].filter((l) => l.name && l.url);
  return {
    status: a.status,
    firing,
    statusText: firing ? 'FIRING' : 'RESOLVED',
    alertname,
    instance: str(labels.instance) || str(labels.host) || str(labels.pod) || str(labels.job),
    severity,
    level: firing ? level : 'success',
    marker: firing ? ALERT_MARKERS[level] : ALERT_MARKERS.resolved,
    summary: str(annotations.summary) || str(annotations.message) || str(annotations.title),
    description: str(annotations.description),
    startsAt: formatTime(a.startsAt, timeZone),
    endsAt: firing ? '' : formatTime(a.endsAt, timeZone),
    duration: formatDuration(a.startsAt, firing ? undefined : a.endsAt, now),
    startsAtISO: str(a.startsAt),
    endsAtISO: firing ? '' : str(a.endsAt),
    value: str(a.valueString),
    labels,
    annotations,
    otherLabels: Object.entries(labels)
      .filter(([k]) => !SHOWN_ELSEWHERE.has(k) && !HIDDEN_LABEL.test(k))
      .map(([k, v]) => `${k}=${v}`),
    generatorURL,
    silenceURL,
    dashboardURL,
    panelURL,
    runbookURL,
    imageURL: safeUrl(a.imageURL),
    links,
    fingerprint: str(a.fingerprint),
  };
}

/** "[FIRING:2] HighCPU web-1" — Alertmanager's own default title, so people recognise it. */
function titleOf(group: RawGroup, firingCount: number, views: AlertView[]): string {
  const status = group.status === 'firing' ? `FIRING:${firingCount}` : 'RESOLVED';
  const names = Object.values(group.groupLabels).filter((v) => v !== '');
  const what = names.length ? names.join(' ') : [...new Set(views.map((v) => v.alertname))].join(', ');
  return `[${status}] ${what}`.trim();
}

export function alertContext(source: string, group: RawGroup, timeZone: string, now = Date.now(), silenceLink?: SilenceLinker): AlertContext {
  const all = group.alerts.map((a) => alertView(a, group, timeZone, now, silenceLink));
  const firingAll = all.filter((a) => a.firing);
  const resolvedAll = all.filter((a) => !a.firing);
  const shown = [...firingAll, ...resolvedAll].slice(0, MAX_ALERTS_SHOWN);
  const firingCount = firingAll.length;
  const resolvedCount = resolvedAll.length;
  const status = firingCount > 0 ? 'firing' : group.status;
  const level: Level = status === 'firing' ? worstLevel(firingAll.map((a) => a.level), firingCount ? 'info' : UNKNOWN_SEVERITY_LEVEL) : 'success';
  const counts = [firingCount && `${firingCount} firing`, resolvedCount && `${resolvedCount} resolved`].filter(Boolean).join(', ');
  return {
    source,
    status,
    statusText: status === 'firing' ? 'FIRING' : 'RESOLVED',
    firingCount,
    resolvedCount,
    counts,
    title: titleOf({ ...group, status }, firingCount, all),
    level,
    receiver: str(group.receiver),
    alerts: shown,
    firingAlerts: shown.filter((a) => a.firing),
    resolvedAlerts: shown.filter((a) => !a.firing),
    moreCount: all.length - shown.length + Math.max(0, group.truncatedAlerts ?? 0),
    groupLabels: group.groupLabels,
    commonLabels: group.commonLabels,
    commonAnnotations: safeAnnotations(group.commonAnnotations),
    externalURL: safeUrl(group.externalURL),
    timeZone,
  };
}

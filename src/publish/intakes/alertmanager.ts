/**
 * Prometheus Alertmanager's webhook notification (`version: "4"`), as `webhook_configs` posts it.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { z } from 'zod';
import { alertDraft } from '../../templates/alerts/alert-draft.js';
import { alertSchema, groupSchema, isPlainObject, MAX_ALERTS_PER_NOTIFICATION, parseAlertBody } from '../../templates/alerts/schema.js';
import type { Draft, Intake, IntakeContext } from '../draft.js';

/** The webhook payload version Alertmanager has sent since 0.x; its shape is what we read. */
export const ALERTMANAGER_VERSION = '4';

const payload = groupSchema.extend({
  version: z.string().optional(),
  alerts: z.array(alertSchema).min(1, 'alerts must hold at least one alert').max(MAX_ALERTS_PER_NOTIFICATION),
});

/** The labels every one of these alerts has with the same value. */
function commonLabelsOf(alerts: { labels: Record<string, string> }[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => rest.every((a) => a.labels[k] === v)));
}

export const alertmanagerIntake: Intake = {
  name: 'alertmanager',
  detect: (body) => isPlainObject(body) && body.version === ALERTMANAGER_VERSION && Array.isArray(body.alerts) && !('orgId' in body),
  read(body: unknown, ctx: IntakeContext): Draft {
    const p = parseAlertBody(payload, body, 'Alertmanager');
    const draft = alertDraft('alertmanager', p, ctx.timeZone, Date.now(), ctx.silenceLink);
    const actionsOf = (alerts: typeof p.alerts, common: Record<string, string>) => {
      const firing = alerts.filter((a) => a.status === 'firing');
      if (!ctx.alertActions || firing.length === 0) return undefined;
      // One alert: its own labels; a group: what its alerts have in common.
      const labels = firing.length === 1 ? firing[0]!.labels : common;
      const alertname = labels.alertname || firing[0]!.labels.alertname || 'alert';
      return ctx.alertActions({ alertname, labels: { alertname, ...labels }, fingerprint: firing.length === 1 ? firing[0]!.fingerprint : undefined });
    };
    const actions = actionsOf(p.alerts, p.commonLabels);
    if (actions) draft.actions = actions;
    // a subscription that gets only some of the alerts (its filter) gets buttons for those only
    const select = draft.alerts?.select;
    if (select && draft.alerts) {
      draft.alerts.select = (indices) => {
        const d = select(indices);
        const subset = indices.map((i) => p.alerts[i]!);
        const sub = actionsOf(subset, commonLabelsOf(subset));
        if (sub) d.actions = sub;
        return d;
      };
    }
    return draft;
  },
};

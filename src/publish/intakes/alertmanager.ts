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

export const alertmanagerIntake: Intake = {
  name: 'alertmanager',
  detect: (body) => isPlainObject(body) && body.version === ALERTMANAGER_VERSION && Array.isArray(body.alerts) && !('orgId' in body),
  read(body: unknown, ctx: IntakeContext): Draft {
    const p = parseAlertBody(payload, body, 'Alertmanager');
    const draft = alertDraft('alertmanager', p, ctx.timeZone, Date.now(), ctx.silenceLink);
    const firing = p.alerts.filter((a) => a.status === 'firing');
    if (ctx.alertActions && firing.length > 0) {
      // One alert: its own labels; a group: what its alerts have in common.
      const labels = firing.length === 1 ? firing[0]!.labels : p.commonLabels;
      const alertname = labels.alertname || firing[0]!.labels.alertname || 'alert';
      draft.actions = ctx.alertActions({ alertname, labels: { alertname, ...labels }, fingerprint: firing.length === 1 ? firing[0]!.fingerprint : undefined });
    }
    return draft;
  },
};

/**
 * Grafana unified alerting's webhook contact point: Alertmanager's shape plus `orgId`, `title`,
 * `state`, `message` and, per alert, silence/dashboard/panel links and values.
 * https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 */
import { z } from 'zod';
import { alertDraft } from '../../templates/alerts/alert-draft.js';
import { alertSchema, groupSchema, isPlainObject, MAX_ALERTS_PER_NOTIFICATION, parseAlertBody } from '../../templates/alerts/schema.js';
import type { Draft, Intake, IntakeContext } from '../draft.js';

const grafanaAlert = alertSchema.extend({
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  imageURL: z.string().optional(),
  valueString: z.string().optional(),
});

const payload = groupSchema.extend({
  orgId: z.number().optional(),
  title: z.string().optional(),
  alerts: z.array(grafanaAlert).min(1, 'alerts must hold at least one alert').max(MAX_ALERTS_PER_NOTIFICATION),
});

export const grafanaIntake: Intake = {
  name: 'grafana',
  /** `orgId` beside an `alerts` array is Grafana's mark (Alertmanager never sends it). */
  detect: (body) => isPlainObject(body) && Array.isArray(body.alerts) && 'orgId' in body && typeof body.status === 'string',
  read(body: unknown, ctx: IntakeContext): Draft {
    const p = parseAlertBody(payload, body, 'Grafana');
    return alertDraft('grafana', p, ctx.timeZone);
  },
};

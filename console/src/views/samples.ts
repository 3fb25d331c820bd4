/**
 * Sample publish bodies for the template preview: the same ones the server offers (a JSON publish
 * with tags, an Alertmanager and a Grafana notification). The preview sends the body as `payload`, so
 * Herald reads it through the same intakes as a publish and the template sees a delivery's context.
 */
import { SAMPLE_PAYLOADS } from '../../../src/templates/samples.js';

export interface Sample {
  id: string;
  label: string;
  /** the publish body, as a sender posts it */
  payload: unknown;
  /** a template that shows off this context */
  example: string;
}

const ALERT_EXAMPLE = '{{statusText}} · {{counts}}\n{{#each alerts}}{{marker}} **{{alertname}}** on {{instance}}: {{summary}}\n{{/each}}';

export const SAMPLES: Sample[] = [
  {
    id: 'tags',
    label: 'Sample tags (JSON publish with template + tags)',
    payload: SAMPLE_PAYLOADS.tags,
    example: '**{{subject}}** on `{{host}}` ({{upper env}})\n\n{{message}}: **{{usage}}%** used on {{join volumes ", "}}.',
  },
  { id: 'alertmanager', label: 'Sample Alertmanager notification', payload: SAMPLE_PAYLOADS.alertmanager, example: ALERT_EXAMPLE },
  { id: 'grafana', label: 'Sample Grafana notification', payload: SAMPLE_PAYLOADS.grafana, example: ALERT_EXAMPLE },
  { id: 'own', label: 'My own payload (paste it below)', payload: '', example: ALERT_EXAMPLE },
];

/**
 * Sample publish bodies for the template preview: the same ones the server offers (a JSON publish
 * with tags, an Alertmanager and a Grafana notification). The preview sends the body as `payload`, so
 * Herald reads it through the same intakes as a publish and the template sees a delivery's context.
 */
import { SAMPLE_PAYLOADS } from '../../../src/templates/samples.js';
import type { Key } from '../i18n/index.js';

export interface Sample {
  id: string;
  /** a key of the string tables: shown in the current language */
  label: Key;
  /** the publish body, as a sender posts it */
  payload: unknown;
  /** a template that shows off this context */
  example: string;
}

const ALERT_EXAMPLE = '{{statusText}} · {{counts}}\n{{#each alerts}}{{marker}} **{{alertname}}** on {{instance}}: {{summary}}\n{{/each}}';

export const SAMPLES: Sample[] = [
  {
    id: 'tags',
    label: 'sample.tags',
    payload: SAMPLE_PAYLOADS.tags,
    example: '**{{subject}}** on `{{host}}` ({{upper env}})\n\n{{message}}: **{{usage}}%** used on {{join volumes ", "}}.',
  },
  { id: 'alertmanager', label: 'sample.am', payload: SAMPLE_PAYLOADS.alertmanager, example: ALERT_EXAMPLE },
  { id: 'grafana', label: 'sample.gf', payload: SAMPLE_PAYLOADS.grafana, example: ALERT_EXAMPLE },
  { id: 'own', label: 'sample.own', payload: '', example: ALERT_EXAMPLE },
];

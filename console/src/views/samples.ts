/** Sample contexts for the template preview: publish tags, and an Alertmanager webhook payload. */

export interface Sample {
  id: string;
  label: string;
  /** the Handlebars context */
  context: Record<string, unknown>;
  subject: string;
  level: 'info' | 'success' | 'warning' | 'error' | 'critical';
  /** a template that shows off this context */
  example: string;
}

export const SAMPLES: Sample[] = [
  {
    id: 'tags',
    label: 'Sample tags (JSON publish with template + tags)',
    subject: 'Disk almost full',
    level: 'warning',
    context: {
      topic: 'ops-alerts',
      subject: 'Disk almost full',
      message: '/data is filling up',
      host: 'db-2',
      env: 'prod',
      usage: '91',
    },
    example: '**{{subject}}** on `{{host}}` ({{upper env}})\n\n{{message}}: **{{usage}}%** used.',
  },
  {
    id: 'alertmanager',
    label: 'Sample Alertmanager payload',
    subject: '[FIRING:1] HighCPU',
    level: 'error',
    context: {
      topic: 'ops-alerts',
      version: '4',
      status: 'firing',
      receiver: 'herald',
      groupKey: '{}:{alertname="HighCPU"}',
      groupLabels: { alertname: 'HighCPU' },
      commonLabels: { alertname: 'HighCPU', severity: 'critical', job: 'node' },
      commonAnnotations: { summary: 'CPU above 90% for 10 minutes' },
      externalURL: 'http://alertmanager.example:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighCPU', instance: 'web-1:9100', severity: 'critical' },
          annotations: { summary: 'CPU above 90% for 10 minutes', description: 'web-1 is at 97% CPU.' },
          startsAt: '2025-01-01T08:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example:9090/graph?g0.expr=cpu',
        },
      ],
    },
    example:
      '**[{{upper status}}] {{commonLabels.alertname}}**\n\n{{#each alerts}}- `{{labels.instance}}`: {{annotations.summary}} ([graph]({{generatorURL}}))\n{{/each}}',
  },
];

/** Silences made through Herald (links, chat commands), and the silence link pages. */
import { adminErrors, answer, ISO_TIME, noContent, ok, ref } from './common.js';
import type { Paths } from './types.js';

const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

export const silencePaths: Paths = {
  '/v1/silences': {
    get: {
      tags: ['Alerts'],
      operationId: 'listSilences',
      summary: 'Silences made through Herald, newest first, with their state in Alertmanager',
      parameters: [
        { name: 'topic', in: 'query', description: 'Only the silences asked for from this topic.', schema: { type: 'string' } },
        { name: 'active', in: 'query', description: 'true: only active or pending ones.', schema: { type: 'string', enum: ['true', 'false'] } },
      ],
      responses: {
        '200': ok('`configured` is false while no Alertmanager is set.', {
          type: 'object',
          required: ['configured', 'silences'],
          properties: { configured: { type: 'boolean' }, silences: { type: 'array', items: ref('Silence') } },
        }),
        ...adminErrors,
      },
    },
  },
  '/v1/silences/{id}': {
    delete: {
      tags: ['Alerts'],
      operationId: 'expireSilence',
      summary: 'Lift (expire) a silence made through Herald',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '204': noContent, ...adminErrors, '404': answer('NotFound'), '502': { description: 'Alertmanager did not answer; nothing changed.' } },
    },
  },
  '/silence/{token}': {
    get: {
      tags: ['Alerts'],
      operationId: 'silenceLinkPage',
      summary: 'The page behind the Silence link of a firing alert: the alert, its labels as matchers, durations',
      security: [],
      parameters: [{ name: 'token', in: 'path', required: true, description: 'Signed; expires after 7 days.', schema: { type: 'string' } }],
      responses: { '200': html('The form.'), '403': html('Forged or tampered.'), '404': html('Not a link, or silences are off.'), '410': html('Expired.') },
    },
    post: {
      tags: ['Alerts'],
      operationId: 'silenceLinkCreate',
      summary: 'Create the silence in Alertmanager (form fields duration, by, comment, label)',
      security: [],
      parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['duration', 'by'],
              properties: {
                duration: { type: 'string', description: '1h, 4h, 24h, 7d, 30m … or "custom" with `custom`.' },
                custom: { type: 'string' },
                by: { type: 'string', description: "Alertmanager's createdBy." },
                comment: { type: 'string' },
                labels: { type: 'string', enum: ['chosen'], description: 'Set: only the `label` fields become matchers.' },
                label: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
      responses: {
        '201': html('Silenced; the topic is told who silenced it.'),
        '400': html('A field is missing or wrong; the form again, with the reason.'),
        '403': html('Forged or tampered: nothing changed.'),
        '404': html('Not a link, or silences are off.'),
        '410': html('Expired: nothing changed.'),
        '502': html('Alertmanager did not answer: nothing changed.'),
      },
    },
  },
};

export const silenceSchemas = {
  Silence: {
    type: 'object',
    required: ['id', 'alertname', 'matchers', 'startsAt', 'endsAt', 'createdBy', 'via', 'state'],
    properties: {
      id: { type: 'string', description: "Alertmanager's silence id." },
      topics: { type: 'array', items: { type: 'string' } },
      alertname: { type: 'string' },
      matchers: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' }, isRegex: { type: 'boolean' }, isEqual: { type: 'boolean' } } },
      },
      startsAt: ISO_TIME,
      endsAt: ISO_TIME,
      createdBy: { type: 'string' },
      comment: { type: 'string' },
      via: { type: 'string', enum: ['link', 'chat', 'api'] },
      url: { type: 'string', description: "The silence in Alertmanager's UI." },
      state: { type: 'string', enum: ['active', 'pending', 'expired', 'unknown'] },
      expiredAt: ISO_TIME,
      expiredBy: { type: 'string' },
    },
  },
};

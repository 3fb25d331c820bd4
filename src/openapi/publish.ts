/** POST /v1/topics/{name}/publish: the one publish endpoint. */
import { publishSchema } from '../publish/intakes/json.js';
import { answer, ID, json, param, ref } from './common.js';
import { fromZod } from './from-zod.js';
import type { Paths } from './types.js';

export const publishPaths: Paths = {
  '/v1/topics/{name}/publish': {
    post: {
      tags: ['Publish'],
      operationId: 'publish',
      summary: 'Publish a message to every subscription of a topic',
      description:
        'The body is a JSON message, plain text, or an Alertmanager / Grafana webhook payload (recognised by its shape, ' +
        'or named with ?format=). 202 means the message and one delivery per subscription are durably stored. ' +
        'Needs a token with `admin`, `publish:*` or `publish:<topic>`; `?token=` works for senders that cannot set headers.',
      parameters: [
        param('TopicName'),
        { name: 'token', in: 'query', description: 'The token, for senders that cannot set an Authorization header.', schema: { type: 'string' } },
        { name: 'format', in: 'query', description: 'Name the intake instead of detecting it (json, text, alertmanager, grafana).', schema: { type: 'string' } },
        { name: 'title', in: 'query', description: 'Text bodies: the subject (also the Title or X-Title header).', schema: { type: 'string', maxLength: 512 } },
        { name: 'level', in: 'query', description: 'Text bodies: info, success, warning, error or critical (also the Level or X-Level header).', schema: { type: 'string' } },
        { name: 'mention', in: 'query', description: 'Text bodies: "all", phone numbers and user ids, comma-separated (also the X-Mention header).', schema: { type: 'string' } },
        { name: 'X-Title', in: 'header', description: 'Text bodies: the subject (Title works too); UTF-8 or RFC 2047.', schema: { type: 'string' } },
        { name: 'X-Level', in: 'header', description: 'Text bodies: the level (Level works too).', schema: { type: 'string' } },
        { name: 'X-Mention', in: 'header', description: 'Text bodies: who to @.', schema: { type: 'string' } },
        {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'A repeat within publish.idempotencyWindowMs returns the first messageId and delivers nothing again.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: ref('PublishBody'), example: { subject: 'Disk almost full', message: '**db-1**: 93 % used', level: 'warning' } },
          'text/plain': { schema: { type: 'string' }, example: 'backup done' },
        },
      },
      responses: {
        '202': {
          description: 'Accepted: stored durably, deliveries queued.',
          content: json(ref('Published'), { messageId: 'm0k3v9x2a1b2c3', deliveries: 3 }),
        },
        '400': answer('BadRequest'),
        '401': answer('Unauthorized'),
        '403': answer('Forbidden'),
        '404': answer('TopicNotFound'),
        '413': { description: 'The body is larger than quotas.messageBytes.', content: json(ref('Error')) },
        '422': {
          description: 'template_budget_exceeded: a built-in alert template rendered past templates.maxOutputBytes or templates.renderTimeoutMs.',
          content: json(ref('Error')),
        },
        '503': answer('Unavailable'),
      },
    },
  },
};

export const publishSchemas = {
  PublishBody: fromZod(publishSchema),
  Published: {
    type: 'object',
    required: ['messageId', 'deliveries'],
    properties: {
      messageId: ID,
      deliveries: {
        type: 'integer',
        minimum: 0,
        description: "One per subscription the message reaches (its filter matches; muted and held ones included); a grouped alert notification reaches a subscription when any of its alerts match.",
      },
      duplicate: { type: 'boolean', description: 'True when an Idempotency-Key repeat returned the first message.' },
    },
  },
};

/** Subscriptions: endpoints and secrets go in; only masked endpoints come out. */
import { patchBody } from '../http/routes/subscription-changes.js';
import { mentionsSchema } from '../publish/intakes/json.js';
import { filterSchema } from '../routing/filter.js';
import { quietHoursSchema } from '../routing/quiet-hours.js';
import { adminErrors, answer, ID, ISO_TIME, json, noContent, ok, param, ref, TOPIC_NAME } from './common.js';
import { fromZod } from './from-zod.js';
import { exampleSubscription, protocolSchema } from './protocols.js';
import type { Paths } from './types.js';

const tags = ['Subscriptions'];
const PROTOCOL = protocolSchema();

export const subscriptionPaths: Paths = {
  '/v1/topics/{name}/subscriptions': {
    post: {
      tags,
      operationId: 'createSubscription',
      summary: 'Subscribe a robot or a webhook to a topic',
      parameters: [param('TopicName')],
      requestBody: {
        required: true,
        content: json(ref('NewSubscription'), exampleSubscription()),
      },
      responses: {
        '201': ok('Subscribed.', ref('Subscription')),
        ...adminErrors,
        '404': answer('TopicNotFound'),
        '409': answer('Conflict'),
      },
    },
    get: {
      tags,
      operationId: 'listSubscriptions',
      summary: "List a topic's subscriptions",
      parameters: [param('TopicName')],
      responses: {
        '200': ok('By id.', { type: 'object', properties: { subscriptions: { type: 'array', items: ref('Subscription') } } }),
        ...adminErrors,
        '404': answer('TopicNotFound'),
      },
    },
  },
  '/v1/subscriptions/{id}': {
    get: {
      tags,
      operationId: 'getSubscription',
      summary: 'Read a subscription',
      parameters: [param('SubscriptionId')],
      responses: { '200': ok('The subscription.', ref('Subscription')), ...adminErrors, '404': answer('NotFound') },
    },
    patch: {
      tags,
      operationId: 'updateSubscription',
      summary: 'Change its filter, quiet hours, mentions, keyword or remark',
      description:
        '`null` clears a field. Protocol, endpoint and secret stay fixed (as in SMN): delete and subscribe again to change them. ' +
        'A bad value answers 400 naming the field, and nothing changes.',
      parameters: [param('SubscriptionId')],
      requestBody: {
        required: true,
        content: json(ref('SubscriptionPatch'), { filter: { level: ['critical'], team: ['db'] }, quietHours: null }),
      },
      responses: { '200': ok('The changed subscription.', ref('Subscription')), ...adminErrors, '404': answer('NotFound') },
    },
    delete: {
      tags,
      operationId: 'deleteSubscription',
      summary: 'Unsubscribe (the endpoint and secret are erased from the store)',
      parameters: [param('SubscriptionId')],
      responses: { '204': noContent, ...adminErrors, '404': answer('NotFound') },
    },
  },
  '/v1/subscriptions/{id}/mute': {
    post: {
      tags,
      operationId: 'muteSubscription',
      summary: 'Mute it for a while: its deliveries are recorded `muted` and not sent',
      description: 'The mute ends by itself at `mutedUntil`; a new mute replaces the old one. At most 366 days.',
      parameters: [param('SubscriptionId')],
      requestBody: { required: true, content: json(ref('Mute'), { for: '2h' }) },
      responses: { '200': ok('The muted subscription (with mutedUntil).', ref('Subscription')), ...adminErrors, '404': answer('NotFound') },
    },
    delete: {
      tags,
      operationId: 'unmuteSubscription',
      summary: 'End its mute now',
      parameters: [param('SubscriptionId')],
      responses: { '200': ok('The subscription.', ref('Subscription')), ...adminErrors, '404': answer('NotFound') },
    },
  },
  '/v1/topics/{name}/match': {
    post: {
      tags,
      operationId: 'matchSubscriptions',
      summary: 'Dry run: which subscriptions a message would reach now',
      description:
        'Takes a JSON publish body or an Alertmanager / Grafana payload (as POST /v1/topics/{name}/publish does; ?format= names the intake) ' +
        'and answers, without storing or sending anything, which subscriptions it would reach and how (pending, muted or held), ' +
        'how many alerts of a grouped notification each would get, and which subscriptions it would not reach.',
      parameters: [
        param('TopicName'),
        { name: 'format', in: 'query', description: 'Name the intake instead of detecting it (json, alertmanager, grafana).', schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: json({ type: 'object' }, { message: 'db-1 is down', level: 'critical', attributes: { team: 'db' } }) },
      responses: { '200': ok('Who it reaches.', ref('MatchResult')), ...adminErrors, '404': answer('TopicNotFound') },
    },
  },
  '/v1/subscriptions/{id}/test': {
    post: {
      tags,
      operationId: 'testSubscription',
      summary: 'Send one test message now and return the platform answer',
      description: 'One attempt, outside the delivery pacing; at most one test per robot every 10 s (else 429).',
      parameters: [param('SubscriptionId')],
      responses: {
        '200': ok('What the platform answered.', ref('TestAnswer')),
        ...adminErrors,
        '404': answer('NotFound'),
        '429': { description: 'This robot was tested moments ago; see Retry-After.', content: json(ref('Error')) },
      },
    },
  },
};

export const subscriptionSchemas = {
  Mentions: fromZod(mentionsSchema),
  NewSubscription: {
    type: 'object',
    required: ['protocol', 'endpoint'],
    additionalProperties: false,
    properties: {
      protocol: PROTOCOL,
      endpoint: { type: 'string', minLength: 1, maxLength: 2048, description: "The robot's webhook URL, or what the protocol takes instead (GET /v1/protocols: its endpoint field)." },
      secret: { type: 'string', minLength: 1, maxLength: 512, description: "The robot's signing secret; for webhook, the key Herald signs with." },
      keyword: { type: 'string', minLength: 1, maxLength: 64, description: 'Custom keyword the robot requires; always put in the content.' },
      extraRobots: {
        type: 'array',
        maxItems: 9,
        description: 'Up to 9 more robots of the same group, validated, encrypted and masked like endpoint. Each message goes through whichever robot has room; each robot keeps its own limits.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['endpoint'],
          properties: { endpoint: { type: 'string', minLength: 1, maxLength: 2048 }, secret: { type: 'string', minLength: 1, maxLength: 512 } },
        },
      },
      mentions: ref('Mentions'),
      remark: { type: 'string', maxLength: 256 },
      filter: ref('FilterPolicy'),
      quietHours: ref('QuietHours'),
    },
  },
  Subscription: {
    type: 'object',
    required: ['id', 'topic', 'protocol', 'endpoint', 'hasSecret', 'status', 'source', 'createdAt'],
    properties: {
      id: ID,
      topic: TOPIC_NAME,
      protocol: PROTOCOL,
      endpoint: { type: 'string', description: 'Masked: never the full URL or key.' },
      hasSecret: { type: 'boolean' },
      extraRobots: {
        type: 'array',
        description: 'The pool: extra robots, masked.',
        items: { type: 'object', required: ['endpoint', 'hasSecret'], properties: { endpoint: { type: 'string' }, hasSecret: { type: 'boolean' } } },
      },
      keyword: { type: 'string' },
      mentions: ref('Mentions'),
      remark: { type: 'string' },
      filter: ref('FilterPolicy'),
      quietHours: ref('QuietHours'),
      mutedUntil: { ...ISO_TIME, description: 'Present while muted: deliveries are recorded `muted` until then.' },
      status: { const: 'active' },
      source: { enum: ['api', 'chat'] },
      chat: {
        type: 'object',
        properties: { protocol: { type: 'string' }, chatId: { type: 'string' }, chatName: { type: 'string' } },
      },
      createdAt: ISO_TIME,
    },
  },
  FilterPolicy: fromZod(filterSchema),
  QuietHours: fromZod(quietHoursSchema),
  SubscriptionPatch: fromZod(patchBody),
  Mute: {
    type: 'object',
    additionalProperties: false,
    description: 'Either `for` or `until`.',
    properties: {
      for: { type: 'string', description: 'A duration: "30m", "2h", "1d", "1h30m".', examples: ['2h'] },
      until: { ...ISO_TIME, description: 'When the mute ends (in the future).' },
    },
  },
  MatchResult: {
    type: 'object',
    required: ['deliveries', 'reached', 'notReached'],
    properties: {
      deliveries: { type: 'integer', minimum: 0, description: 'What the 202 of a publish would count.' },
      reached: {
        type: 'array',
        items: {
          type: 'object',
          required: ['subscriptionId', 'protocol', 'endpoint', 'status'],
          properties: {
            subscriptionId: ID,
            protocol: PROTOCOL,
            endpoint: { type: 'string', description: 'Masked.' },
            remark: { type: 'string' },
            status: { enum: ['pending', 'muted', 'held'], description: 'pending: sent now.' },
            alerts: { type: 'integer', description: 'A grouped notification: how many of its alerts this subscription gets.' },
            releaseAt: { ...ISO_TIME, description: 'held: when its quiet hours end.' },
          },
        },
      },
      notReached: {
        type: 'array',
        items: {
          type: 'object',
          required: ['subscriptionId', 'protocol', 'endpoint'],
          properties: { subscriptionId: ID, protocol: PROTOCOL, endpoint: { type: 'string' }, remark: { type: 'string' }, filter: ref('FilterPolicy') },
        },
      },
    },
  },
  TestAnswer: {
    type: 'object',
    required: ['ok'],
    properties: {
      ok: { type: 'boolean' },
      kind: { enum: ['transient', 'rate-limited', 'permanent'] },
      code: { type: ['string', 'integer'] },
      message: { type: 'string' },
    },
  },
};

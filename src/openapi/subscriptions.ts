/** Subscriptions: endpoints and secrets go in; only masked endpoints come out. */
import { mentionsSchema } from '../publish/intakes/json.js';
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
    delete: {
      tags,
      operationId: 'deleteSubscription',
      summary: 'Unsubscribe (the endpoint and secret are erased from the store)',
      parameters: [param('SubscriptionId')],
      responses: { '204': noContent, ...adminErrors, '404': answer('NotFound') },
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
      mentions: ref('Mentions'),
      remark: { type: 'string', maxLength: 256 },
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
      keyword: { type: 'string' },
      mentions: ref('Mentions'),
      remark: { type: 'string' },
      status: { const: 'active' },
      source: { enum: ['api', 'chat'] },
      chat: {
        type: 'object',
        properties: { protocol: { type: 'string' }, chatId: { type: 'string' }, chatName: { type: 'string' } },
      },
      createdAt: ISO_TIME,
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

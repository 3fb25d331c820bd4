/** Delivery records: a message with its per-subscription deliveries; failed ones listed and replayed. */
import { adminErrors, answer, ID, ISO_TIME, json, ok, param, ref, TOPIC_NAME } from './common.js';
import type { Paths } from './types.js';

const tags = ['Records'];
const DELIVERY_ID = { type: 'string', pattern: '^[a-z0-9]{1,64}\\.\\d{5,7}$' };
const NEXT = { type: ['string', 'null'], description: 'The cursor of the next page; null when there is no more.' };
const LISTED_DELIVERIES = {
  type: 'object',
  required: ['deliveries', 'next'],
  properties: {
    deliveries: {
      type: 'array',
      items: { allOf: [ref('Delivery'), { type: 'object', properties: { messageId: ID, topic: TOPIC_NAME } }] },
    },
    next: NEXT,
  },
};

export const messagePaths: Paths = {
  '/v1/messages/{id}': {
    get: {
      tags,
      operationId: 'getMessage',
      summary: 'A message and what happened to each of its deliveries',
      description: 'Any token that may publish to the topic may read its records.',
      parameters: [{ name: 'id', in: 'path', required: true, schema: ID }],
      responses: { '200': ok('The message.', ref('Message')), ...adminErrors, '404': answer('NotFound') },
    },
  },
  '/v1/topics/{name}/messages': {
    get: {
      tags,
      operationId: 'listTopicMessages',
      summary: "A topic's messages, newest first, a page at a time",
      description:
        'Any token that may publish to the topic may read its records. Pages come from a time-ordered index, so the newest page costs the same at any size; pass `next` as `cursor` for the following page (null: no more). Records older than the topic itself (from an earlier, deleted topic of the same name) are never listed.',
      parameters: [
        param('TopicName'),
        param('Limit'),
        param('Cursor'),
        { name: 'since', in: 'query', description: 'Only messages published at or after this time.', schema: ISO_TIME },
        { name: 'until', in: 'query', description: 'Only messages published at or before this time.', schema: ISO_TIME },
        { name: 'q', in: 'query', description: 'Search: messages whose subject or text holds every word (any case).', schema: { type: 'string', maxLength: 200 } },
        {
          name: 'status',
          in: 'query',
          description: 'Messages with at least one delivery in this status; a page may then hold fewer than `limit` (follow `next`).',
          schema: { enum: ['pending', 'delivered', 'failed', 'muted', 'held'] },
        },
      ],
      responses: {
        '200': ok('Newest first.', {
          type: 'object',
          required: ['messages', 'next'],
          properties: { messages: { type: 'array', items: ref('Message') }, next: NEXT },
        }),
        ...adminErrors,
        '404': answer('TopicNotFound'),
      },
    },
  },
  '/v1/deliveries': {
    get: {
      tags,
      operationId: 'listDeliveries',
      summary: 'Deliveries by status, topic and subscription, newest message first, a page at a time',
      description:
        "Any filter may be combined. A listing reads at most 2,000 records per call; when filters skip many, a page may hold fewer than `limit` with a `next` to go on from. `next` null: no more.",
      parameters: [
        param('Limit'),
        param('Cursor'),
        { name: 'status', in: 'query', schema: { enum: ['pending', 'delivered', 'failed', 'muted', 'held'] } },
        { name: 'topic', in: 'query', schema: TOPIC_NAME },
        { name: 'subscription', in: 'query', description: 'A subscription id.', schema: ID },
      ],
      responses: {
        '200': ok('Newest message first.', LISTED_DELIVERIES),
        ...adminErrors,
        '404': answer('TopicNotFound'),
      },
    },
  },
  '/v1/deliveries/failed': {
    get: {
      tags,
      operationId: 'listFailedDeliveries',
      summary: 'Failed deliveries, newest first (GET /v1/deliveries?status=failed)',
      parameters: [param('Limit'), param('Cursor')],
      responses: {
        '200': ok('Newest first.', LISTED_DELIVERIES),
        ...adminErrors,
      },
    },
  },
  '/v1/deliveries/replay': {
    post: {
      tags,
      operationId: 'replayDeliveries',
      summary: 'Send every matching failed delivery again, with fresh attempt histories',
      description: `Replays at most 5000 per call (newest first); \`more\` says to call again. \`since\`/\`until\` are when the delivery failed. \`dryRun\` only counts.`,
      requestBody: {
        required: true,
        content: json(
          {
            type: 'object',
            required: ['status'],
            additionalProperties: false,
            properties: {
              status: { const: 'failed' },
              topic: TOPIC_NAME,
              subscription: ID,
              since: ISO_TIME,
              until: ISO_TIME,
              dryRun: { type: 'boolean' },
            },
          },
          { status: 'failed', topic: 'ops-alerts' },
        ),
      },
      responses: {
        '200': ok('dryRun: how many match.', ref('ReplayAnswer')),
        '202': ok('Back to pending.', ref('ReplayAnswer')),
        ...adminErrors,
      },
    },
  },
  '/v1/deliveries/{id}/replay': {
    post: {
      tags,
      operationId: 'replayDelivery',
      summary: 'Send a failed delivery again, with fresh attempts',
      parameters: [{ name: 'id', in: 'path', required: true, schema: DELIVERY_ID }],
      responses: { '202': ok('Back to pending.', ref('Delivery')), ...adminErrors, '404': answer('NotFound') },
    },
  },
};

export const messageSchemas = {
  ReplayAnswer: {
    type: 'object',
    required: ['matched', 'replayed', 'more'],
    properties: {
      matched: { type: 'integer', minimum: 0, description: 'Failed deliveries that match.' },
      replayed: { type: 'integer', minimum: 0, description: 'Sent back to pending by this call.' },
      more: { type: 'boolean', description: 'More match than one call replays: call again.' },
    },
  },
  Delivery: {
    type: 'object',
    required: ['id', 'subscriptionId', 'protocol', 'status', 'attempts'],
    properties: {
      id: DELIVERY_ID,
      subscriptionId: ID,
      protocol: { type: 'string' },
      status: {
        enum: ['pending', 'delivered', 'failed', 'muted', 'held'],
        description: 'muted: its subscription was muted, never sent; held: waits for the end of its quiet hours, then goes out in one digest.',
      },
      attempts: { type: 'integer', minimum: 0 },
      parts: { type: 'integer', minimum: 1, description: 'Parts the message was split into for this platform.' },
      lastError: { type: 'string' },
      lastCode: { type: ['string', 'integer'], description: "The platform's errcode/code or the HTTP status." },
      nextAttemptAt: ISO_TIME,
      deliveredAt: ISO_TIME,
      updatedAt: ISO_TIME,
      history: {
        type: 'array',
        description: 'Each try at the platform, oldest first (the newest 50 are kept; a replay starts a fresh history).',
        items: {
          type: 'object',
          required: ['at', 'ok'],
          properties: {
            at: ISO_TIME,
            ok: { type: 'boolean' },
            part: { type: 'integer', minimum: 1, description: 'The part of a split message this try sent.' },
            error: { type: 'string', description: "The platform's answer or the network error." },
            code: { type: ['string', 'integer'] },
          },
        },
      },
      releaseAt: { ...ISO_TIME, description: 'Held by quiet hours: when they end and it goes out in a digest.' },
      replays: { type: 'integer', minimum: 1, description: 'How often it was replayed.' },
      replayedAt: ISO_TIME,
      platformMessageId: { type: 'string', description: "The platform's id of what was sent, where the platform gives one (chats whose messages can be edited)." },
      editedMessageId: { type: 'string', description: 'Set when this delivery edited that earlier card in place instead of posting anew.' },
      digest: { ...DELIVERY_ID, description: 'The digest delivery that carried this one (its robot was at its rate limit, or its quiet hours ended); it ends as the digest ends.' },
      carries: { type: 'array', items: DELIVERY_ID, description: 'A digest: the deliveries it carries, oldest first.' },
    },
  },
  Message: {
    type: 'object',
    required: ['id', 'topic', 'createdAt', 'deliveries'],
    properties: {
      id: ID,
      topic: TOPIC_NAME,
      subject: { type: 'string' },
      text: {
        type: 'string',
        description: 'The message as published (JSON `message`, a text/plain body); for alerts and templates the rendered default text. Cut to 500 characters in lists.',
      },
      textTruncated: { type: 'boolean', description: 'In lists: the text was cut; GET /v1/messages/{id} has all of it.' },
      level: { type: 'string' },
      format: { enum: ['markdown', 'text'] },
      attributes: { type: 'object', additionalProperties: { type: 'string' } },
      source: { type: 'string', description: 'The intake that read it: json, text, alertmanager, grafana.' },
      createdAt: ISO_TIME,
      carries: { type: 'array', items: ID, description: 'A digest: the messages it carries, oldest first.' },
      deliveries: { type: 'array', items: ref('Delivery') },
    },
  },
};

/** /v1/topics: SMN topics. */
import { adminErrors, answer, ISO_TIME, json, noContent, ok, param, ref, TOPIC_NAME } from './common.js';
import type { Paths } from './types.js';

const tags = ['Topics'];
const topicParam = [param('TopicName')];

export const topicPaths: Paths = {
  '/v1/topics': {
    post: {
      tags,
      operationId: 'createTopic',
      summary: 'Create a topic',
      requestBody: {
        required: true,
        content: json(
          {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: TOPIC_NAME, displayName: { type: 'string', maxLength: 192 } },
          },
          { name: 'ops-alerts', displayName: 'Ops alerts' },
        ),
      },
      responses: {
        '201': ok('Created.', ref('Topic')),
        ...adminErrors,
        '409': answer('Conflict'),
      },
    },
    get: {
      tags,
      operationId: 'listTopics',
      summary: 'List topics',
      responses: { '200': ok('Every topic, by name.', { type: 'object', properties: { topics: { type: 'array', items: ref('Topic') } } }), ...adminErrors },
    },
  },
  '/v1/topics/{name}': {
    get: {
      tags,
      operationId: 'getTopic',
      summary: 'Read a topic',
      parameters: topicParam,
      responses: { '200': ok('The topic.', ref('Topic')), ...adminErrors, '404': answer('TopicNotFound') },
    },
    patch: {
      tags,
      operationId: 'updateTopic',
      summary: "Change a topic's display name",
      parameters: topicParam,
      requestBody: {
        required: true,
        content: json({ type: 'object', required: ['displayName'], additionalProperties: false, properties: { displayName: { type: 'string', maxLength: 192 } } }),
      },
      responses: { '200': ok('The changed topic.', ref('Topic')), ...adminErrors, '404': answer('TopicNotFound') },
    },
    delete: {
      tags,
      operationId: 'deleteTopic',
      summary: 'Delete a topic and its subscriptions',
      parameters: topicParam,
      responses: { '204': noContent, ...adminErrors, '404': answer('TopicNotFound') },
    },
  },
};

export const topicSchemas = {
  Topic: {
    type: 'object',
    required: ['name', 'displayName', 'createdAt', 'updatedAt', 'subscriptionCount'],
    properties: {
      name: TOPIC_NAME,
      displayName: { type: 'string' },
      createdAt: ISO_TIME,
      updatedAt: ISO_TIME,
      subscriptionCount: { type: 'integer', minimum: 0 },
    },
  },
};

/** Tokens, the audit log, quotas, and who a token is. */
import { adminErrors, answer, ISO_TIME, json, noContent, ok, ref } from './common.js';
import type { Paths } from './types.js';

const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' };
const SCOPES = {
  type: 'array',
  minItems: 1,
  maxItems: 100,
  items: { type: 'string', description: 'admin, publish:* or publish:<topic>' },
};

export const tokenPaths: Paths = {
  '/v1/tokens': {
    post: {
      tags: ['Tokens'],
      operationId: 'createToken',
      summary: 'Create a scoped token (shown once)',
      requestBody: {
        required: true,
        content: json(
          { type: 'object', required: ['name', 'scopes'], additionalProperties: false, properties: { name: NAME, scopes: SCOPES } },
          { name: 'ci', scopes: ['publish:deploys'] },
        ),
      },
      responses: {
        '201': ok('Created; `token` is shown only in this answer.', {
          allOf: [ref('Token'), { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }],
        }),
        ...adminErrors,
        '409': answer('Conflict'),
      },
    },
    get: {
      tags: ['Tokens'],
      operationId: 'listTokens',
      summary: 'List tokens (never their values)',
      responses: { '200': ok('By name.', { type: 'object', properties: { tokens: { type: 'array', items: ref('Token') } } }), ...adminErrors },
    },
  },
  '/v1/tokens/{name}': {
    delete: {
      tags: ['Tokens'],
      operationId: 'deleteToken',
      summary: 'Revoke a token',
      parameters: [{ name: 'name', in: 'path', required: true, schema: NAME }],
      responses: { '204': noContent, ...adminErrors, '404': answer('NotFound') },
    },
  },
  '/v1/whoami': {
    get: {
      tags: ['Tokens'],
      operationId: 'whoami',
      summary: "The calling token's name and scopes",
      responses: {
        '200': ok('Who you are.', { type: 'object', required: ['name', 'scopes'], properties: { name: { type: 'string' }, scopes: SCOPES } }),
        '401': answer('Unauthorized'),
      },
    },
  },
  '/v1/audit': {
    get: {
      tags: ['Audit'],
      operationId: 'listAudit',
      summary: 'Every admin change, newest first (never a secret)',
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        { name: 'before', in: 'query', description: 'An entry id: list older ones.', schema: { type: 'string' } },
      ],
      responses: { '200': ok('Newest first.', { type: 'object', properties: { entries: { type: 'array', items: ref('AuditEntry') } } }), ...adminErrors },
    },
  },
  '/v1/quotas': {
    get: {
      tags: ['Audit'],
      operationId: 'listQuotas',
      summary: 'Each quota (config `quotas.*`) with what is used of it',
      responses: { '200': ok('topics, subscriptionsPerTopic (the fullest topic), templates, messageBytes.', { type: 'object', properties: { quotas: { type: 'array', items: ref('Quota') } } }), ...adminErrors },
    },
  },
};

export const tokenSchemas = {
  Quota: {
    type: 'object',
    required: ['name', 'limit', 'unit'],
    properties: {
      name: { type: 'string', enum: ['topics', 'subscriptionsPerTopic', 'templates', 'messageBytes'] },
      limit: { type: 'integer' },
      used: { type: 'integer', description: 'For subscriptionsPerTopic: the fullest topic.' },
      topic: { type: 'string', description: 'The topic `used` counts, for per-topic quotas.' },
      unit: { type: 'string' },
    },
  },
  Token: {
    type: 'object',
    required: ['name', 'scopes', 'createdAt'],
    properties: { name: NAME, scopes: SCOPES, createdAt: ISO_TIME, createdBy: { type: 'string' }, lastUsedAt: ISO_TIME },
  },
  AuditEntry: {
    type: 'object',
    required: ['id', 'at', 'actor', 'action', 'target'],
    properties: {
      id: { type: 'string' },
      at: ISO_TIME,
      actor: { type: 'string', description: 'The token name.' },
      action: { type: 'string', example: 'subscription.create' },
      target: { type: 'string' },
      details: { type: 'object' },
    },
  },
};

/** Operations without a token: liveness, readiness, metrics, this document. */
import { json, ok } from './common.js';
import type { Paths } from './types.js';

const open = { security: [], tags: ['Operations'] };

export const healthPaths: Paths = {
  '/healthz': {
    get: {
      ...open,
      operationId: 'healthz',
      summary: 'The process serves',
      responses: { '200': ok('Serving.', { type: 'object', properties: { status: { const: 'ok' } } }) },
    },
  },
  '/readyz': {
    get: {
      ...open,
      operationId: 'readyz',
      summary: 'The store and the delivery queue answer, and the store takes writes',
      description: 'checks.store is "ok", or says why not ("cannot write: SQLITE_FULL …" on a full disk, "cannot write: OOM …" when Redis is out of memory); see docs/security.md.',
      responses: {
        '200': ok('Ready.', { $ref: '#/components/schemas/Readiness' }),
        '503': ok('Not ready, or shutting down: take it out of the load balancer.', { $ref: '#/components/schemas/Readiness' }),
      },
    },
  },
  '/metrics': {
    get: {
      ...open,
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format)',
      description: 'Publishes, deliveries, retries, latency, limiter waits, queue depth and process metrics; see docs/operations.md.',
      responses: { '200': { description: 'Prometheus text.', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/openapi.json': {
    get: {
      ...open,
      operationId: 'openapi',
      summary: 'This document',
      responses: { '200': { description: 'OpenAPI 3.1 JSON.', content: json({ type: 'object' }) } },
    },
  },
};

export const healthSchemas = {
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { enum: ['ready', 'not ready', 'shutting down'] },
      checks: { type: 'object', additionalProperties: { type: 'string' }, example: { store: 'ok', queue: 'ok' } },
    },
  },
};

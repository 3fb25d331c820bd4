/**
 * Everything in the document that depends on which platforms this Herald has, built from the
 * adapter registry: the protocol enum, GET /v1/protocols, and the chat-command callback routes.
 */
import { adapterFactories } from '../../adapters/index.js';
import { callbackPath, protocolList, protocolNames } from '../protocols/describe.js';
import { answer, ok, ref } from './common.js';
import type { Operation, Paths, Schema } from './types.js';

/** A subscription's protocol: one of the registered adapters. */
export const protocolSchema = (): Schema => ({
  type: 'string',
  enum: protocolNames(),
  description: `${protocolList()} (the adapters this Herald has; GET /v1/protocols describes each).`,
});

/** A template's protocol: a registered adapter, or `default` for every protocol without its own. */
export const templateProtocolSchema = (): Schema => ({
  type: 'string',
  enum: ['default', ...protocolNames()],
  description: `default, ${protocolList()}.`,
});

/** The example subscription of the first registered platform with a URL endpoint, from its form fields. */
export function exampleSubscription(): Record<string, string> {
  const f = adapterFactories[0]!;
  const out: Record<string, string> = { protocol: f.protocol };
  for (const field of f.describe.fields) out[field.name] = field.example;
  return out;
}

export const protocolPaths = (): Paths => ({
  '/v1/protocols': {
    get: {
      tags: ['Subscriptions'],
      operationId: 'listProtocols',
      summary: 'What this Herald can deliver to, as each adapter describes itself',
      description: 'Any valid token. The console builds its subscription forms and colours from this.',
      responses: {
        '200': ok('In registry order.', { type: 'object', required: ['protocols'], properties: { protocols: { type: 'array', items: ref('Protocol') } } }),
        '401': answer('Unauthorized'),
      },
    },
  },
});

const field: Schema = {
  type: 'object',
  required: ['name', 'label', 'help', 'required', 'secret', 'example'],
  properties: {
    name: { enum: ['endpoint', 'secret', 'keyword'], description: 'The subscription key it fills.' },
    label: { type: 'string' },
    help: { type: 'string', description: 'Where the group admin finds the value.' },
    required: { type: 'boolean' },
    secret: { type: 'boolean', description: 'Typed blind, stored encrypted, never shown again.' },
    example: { type: 'string' },
  },
};

export const protocolSchemas = (): Record<string, Schema> => ({
  Protocol: {
    type: 'object',
    required: ['protocol', 'displayName', 'summary', 'color', 'fields', 'mentions', 'secretParts', 'rateLimits', 'callbacks'],
    properties: {
      protocol: protocolSchema(),
      displayName: { type: 'string' },
      summary: { type: 'string' },
      color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
      docsUrl: { type: 'string', format: 'uri' },
      fields: { type: 'array', items: field },
      mentions: {
        type: 'object',
        required: ['all'],
        properties: { all: { type: 'boolean' }, users: { type: 'string' }, mobiles: { type: 'string' } },
        description: 'The @-mention kinds the platform shows, with the label of each input.',
      },
      secretParts: {
        type: 'array',
        description: 'Which parts of an endpoint are credentials (masked, and redacted from logs).',
        items: {
          type: 'object',
          required: ['in'],
          properties: { in: { enum: ['query', 'path', 'userinfo', 'pathAndQuery'] }, name: { type: 'string' }, after: { type: 'string' } },
        },
      },
      dialect: {
        type: 'object',
        description: 'How the built-in alert templates write markdown here; `{text}` and `{url}` are placeholders.',
        properties: Object.fromEntries(['br', 'bold', 'link', 'firing', 'resolved', 'note'].map((k) => [k, { type: 'string' }])),
      },
      allowedHosts: { type: 'array', items: { type: 'string' }, description: 'Absent: any public https host.' },
      rateLimits: {
        type: 'array',
        items: { type: 'object', properties: { max: { type: 'integer' }, perMs: { type: 'integer' } } },
        description: 'Held per robot in every sliding window (config platforms.<protocol>.rateLimits).',
      },
      callbacks: {
        type: 'array',
        items: {
          type: 'object',
          properties: { method: { enum: ['get', 'post'] }, path: { type: 'string' }, url: { type: 'string' }, operationId: { type: 'string' }, summary: { type: 'string' } },
        },
      },
    },
  },
});

/** Chat-command callbacks: platforms call these, not users. Each verifies its own signature (no bearer token). */
export function callbackPaths(): Paths {
  const out: Paths = {};
  for (const f of adapterFactories) {
    for (const c of f.describe.callbacks ?? []) {
      const op: Operation = {
        tags: ['Callbacks'],
        operationId: c.operationId,
        summary: c.summary,
        security: [],
        'x-herald-channel': f.protocol,
        responses: {
          '200': { description: 'Verified and handled.' },
          '401': { description: 'Unsigned, mis-signed, replayed or undecryptable: refused, nothing changed.' },
        },
      };
      const path = callbackPath(f.protocol, c.path);
      out[path] = { ...out[path], [c.method]: op };
    }
  }
  return out;
}


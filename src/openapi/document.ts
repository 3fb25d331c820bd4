/** Herald's HTTP API as one OpenAPI 3.1 document, assembled from one file per area. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { adapterFactories } from '../../adapters/index.js';
import { commonParameters, commonResponses, commonSchemas } from './common.js';
import { healthPaths, healthSchemas } from './health.js';
import { messagePaths, messageSchemas } from './messages.js';
import { callbackPaths, protocolPaths, protocolSchemas } from './protocols.js';
import { publishPaths, publishSchemas } from './publish.js';
import { silencePaths, silenceSchemas } from './silences.js';
import { subscriptionPaths, subscriptionSchemas } from './subscriptions.js';
import { templatePaths, templateSchemas } from './templates.js';
import { tokenPaths, tokenSchemas } from './tokens.js';
import { topicPaths, topicSchemas } from './topics.js';
import type { OpenApiDocument, Paths } from './types.js';

/** The package version, from src/openapi (tsx) or dist/src/openapi (compiled) alike. */
function packageVersion(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

/** Paths from several areas may share a path (e.g. /v1/topics/{name}/…); merge their methods. */
function mergePaths(...areas: Paths[]): Paths {
  const out: Paths = {};
  for (const area of areas) for (const [path, item] of Object.entries(area)) out[path] = { ...out[path], ...item };
  return out;
}

let cached: OpenApiDocument | undefined;

export function openApiDocument(): OpenApiDocument {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Herald',
      version: packageVersion(),
      description:
        `Self-hosted notification relay: publish to a topic, Herald delivers to ${adapterFactories.map((f) => f.describe.displayName).join(', ')}, ` +
        'signed, paced and recorded. GET /v1/protocols describes each. Errors are `{"error": {"code", "message"}}`; a refused request changes nothing.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This Herald' }],
    tags: [
      { name: 'Publish', description: 'The one publish endpoint.' },
      { name: 'Topics', description: 'SMN-style topics.' },
      { name: 'Subscriptions', description: 'Robots and webhooks subscribed to topics.' },
      { name: 'Templates', description: 'Handlebars message templates per protocol.' },
      { name: 'Records', description: 'What happened to every delivery.' },
      { name: 'Tokens', description: 'Scoped API tokens.' },
      { name: 'Audit', description: 'Every admin change, and the quotas.' },
      { name: 'Operations', description: 'Health, readiness, metrics.' },
      { name: 'Alerts', description: 'Silences made through Herald, and the silence link pages.' },
      { name: 'Callbacks', description: 'Called by chat platforms for group commands.' },
    ],
    security: [{ bearer: [] }],
    paths: mergePaths(healthPaths, publishPaths, topicPaths, subscriptionPaths, templatePaths, messagePaths, tokenPaths, silencePaths, protocolPaths(), callbackPaths()),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token or one made with POST /v1/tokens.' } },
      schemas: {
        ...commonSchemas,
        ...healthSchemas,
        ...publishSchemas,
        ...topicSchemas,
        ...subscriptionSchemas,
        ...templateSchemas,
        ...messageSchemas,
        ...tokenSchemas,
        ...silenceSchemas,
        ...protocolSchemas(),
      },
      responses: commonResponses,
      parameters: commonParameters,
    },
  };
  return cached;
}

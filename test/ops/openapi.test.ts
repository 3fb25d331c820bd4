/**
 * The OpenAPI document stays true: every route the express app registers is documented, and every
 * documented operation is registered (callbacks: when their chat channel is configured).
 */
import type { Express } from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi/document.js';
import type { Method, Operation } from '../../src/openapi/types.js';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';

/** Not the API: the web console's pages and files, and the root that redirects to them. */
const NOT_API = [/^\/console(\/|$)/, /^\/$/];
const METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete'];

// The callback channels turn on with their platform credentials; their APIs point nowhere reachable.
const CHANNEL_ENV = {
  HERALD_LARK_APP_ID: 'cli_test0000000000',
  HERALD_LARK_APP_SECRET: 'lark-app-secret-for-tests',
  HERALD_LARK_ENCRYPT_KEY: 'lark-encrypt-key-for-tests',
  HERALD_LARK_VERIFICATION_TOKEN: 'lark-verification-token',
  HERALD_WECOM_TOKEN: 'wecom-token-for-tests',
  HERALD_WECOM_ENCODING_AES_KEY: 'a'.repeat(43),
};

let h: TestHerald;
beforeAll(async () => {
  h = await startTestHerald({ env: CHANNEL_ENV, config: { platforms: { lark: { apiBase: 'http://127.0.0.1:9' } } } });
});
afterAll(() => h.stop());

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: string;
  handle?: { stack?: Layer[] };
}

/** `METHOD /path/{param}` for every route in the app, mounted routers included. */
function registeredRoutes(app: Express): Set<string> {
  const out = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.add(key(m, prefix + path));
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

const key = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')}`;

function documented(): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [path, item] of Object.entries(openApiDocument().paths)) {
    for (const m of METHODS) if (item[m]) out.set(key(m, path), item[m]);
  }
  return out;
}

it('documents every registered route', () => {
  const app = h.running.server.listeners('request')[0] as Express;
  const routes = [...registeredRoutes(app)].filter((r) => !NOT_API.some((re) => re.test(r.split(' ')[1]!)));
  expect(routes.length).toBeGreaterThan(25);
  const docs = documented();
  expect(routes.filter((r) => !docs.has(r))).toEqual([]);
});

it('registers every documented operation', () => {
  const app = h.running.server.listeners('request')[0] as Express;
  const routes = registeredRoutes(app);
  const channels = new Set([...routes].map((r) => /^\w+ \/v1\/callbacks\/(\w+)/.exec(r)?.[1]).filter(Boolean));
  const missing = [...documented()]
    .filter(([k, op]) => !routes.has(k) && !(op['x-herald-channel'] && !channels.has(op['x-herald-channel'])))
    .map(([k]) => k);
  expect(missing).toEqual([]);
});

it('is a well-formed document: refs resolve, ids unique, path parameters declared', () => {
  const doc = openApiDocument();
  const text = JSON.stringify(doc);
  for (const [, kind, name] of text.matchAll(/"#\/components\/(\w+)\/(\w+)"/g)) {
    expect((doc.components as Record<string, Record<string, unknown>>)[kind!]?.[name!], `${kind}/${name}`).toBeDefined();
  }
  const ids = [...documented().values()].map((o) => o.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const [path, item] of Object.entries(doc.paths)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const declared = (op.parameters ?? []).map((p) =>
        '$ref' in p ? doc.components.parameters[p.$ref.split('/').pop()!]! : p,
      );
      for (const n of names) expect(declared.some((p) => p.in === 'path' && p.name === n), `${m} ${path} {${n}}`).toBe(true);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
  }
});

it('is served at /openapi.json without a token', async () => {
  const res = await fetch(`${h.url}/openapi.json`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(body.openapi).toBe('3.1.0');
  expect(Object.keys(body.paths)).toContain('/v1/topics/{name}/publish');
});

/**
 * What Herald says about its platforms comes from the adapters' own descriptions: GET /v1/protocols,
 * the OpenAPI enums and callback paths, and a config naming a platform or key no adapter has stops
 * the start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFactories } from '../../adapters/index.js';
import { ConfigError } from '../../src/config/load.js';
import { openApiDocument } from '../../src/openapi/document.js';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startTestHerald({ config: { platforms: { webhook: { rateLimits: [{ max: 7, perMs: 1000 }] } } } });
});
afterAll(() => h.stop());

describe('GET /v1/protocols', () => {
  it('lists every registered adapter with its description and the limits in force', async () => {
    const r = await h.api('GET', '/v1/protocols');
    expect(r.status).toBe(200);
    expect(r.body.protocols.map((p: any) => p.protocol)).toEqual(adapterFactories.map((f) => f.protocol));
    for (const f of adapterFactories) {
      const p = r.body.protocols.find((x: any) => x.protocol === f.protocol);
      expect(p).toMatchObject({ displayName: f.describe.displayName, color: f.describe.color, fields: f.describe.fields, mentions: f.describe.mentions });
      expect(p.fields.find((x: any) => x.name === 'endpoint')).toMatchObject({ required: true });
      for (const c of f.describe.callbacks ?? []) expect(p.callbacks).toContainEqual({ ...c, url: `/v1/callbacks/${f.protocol}${c.path}` });
    }
    expect(r.body.protocols.find((x: any) => x.protocol === 'webhook').rateLimits).toEqual([{ max: 7, perMs: 1000 }]);
  });

  it('needs a token', async () => {
    expect((await h.api('GET', '/v1/protocols', undefined, { token: null })).status).toBe(401);
  });
});

describe('OpenAPI from the registry', () => {
  it('enumerates the registered protocols', () => {
    const doc = openApiDocument();
    const protocols = adapterFactories.map((f) => f.protocol);
    const sub = doc.components.schemas.NewSubscription as any;
    expect(sub.properties.protocol.enum).toEqual(protocols);
    expect((doc.components.schemas.Template as any).properties.protocol.enum).toEqual(['default', ...protocols]);
  });

  it("documents each adapter's callback routes, and no other", () => {
    const doc = openApiDocument();
    const declared = adapterFactories.flatMap((f) => (f.describe.callbacks ?? []).map((c) => `${c.method} /v1/callbacks/${f.protocol}${c.path}`));
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/callbacks/'))
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(declared.sort());
  });
});

describe('platform config stops the start', () => {
  for (const [name, platforms, expected] of [
    ['a misspelt key', { dingtalk: { apiBse: 'https://api.dingtalk.com' } }, /platforms\.dingtalk: unknown key "apiBse"/],
    ['an unknown platform', { nosuch: { rateLimits: [] } }, /platforms: unknown platform "nosuch"/],
  ] as const) {
    it(`refuses ${name}`, async () => {
      const start = startTestHerald({ config: { platforms } });
      await expect(start).rejects.toBeInstanceOf(ConfigError);
      await expect(start).rejects.toThrow(expected);
    });
  }
});

/** The config: defaults, file and env merged, and a bad config refused with every problem listed. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterFactories } from '../../adapters/index.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/herald.js';

describe('loadConfig', () => {
  it('gives the SPEC defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8711);
    expect(c.host).toBe('0.0.0.0');
    expect(c.quotas).toEqual({ topics: 3000, subscriptionsPerTopic: 10000, templates: 100, messageBytes: 262144 });
    expect(c.platforms.dingtalk!.rateLimits).toEqual([{ max: 20, perMs: 60000 }]);
    expect(c.platforms.lark!.rateLimits).toEqual([
      { max: 100, perMs: 60000 },
      { max: 5, perMs: 1000 },
    ]);
    expect(c.platforms.wecom!.rateLimits).toEqual([{ max: 20, perMs: 60000 }]);
    expect(c.platforms.webhook!.rateLimits).toEqual([]);
    expect(c.platforms.dingtalk!.apiBase).toBe('https://api.dingtalk.com');
  });

  it('merges a YAML file over the defaults and env over both', () => {
    const dir = tempDir();
    const file = join(dir, 'herald.yaml');
    writeFileSync(file, 'port: 9000\ndelivery:\n  maxAttempts: 3\nquotas:\n  topics: 5\n');
    const c = loadConfig({ HERALD_CONFIG: file, HERALD_PORT: '9100', HERALD_ALLOW_HOSTS: 'gw.local:8080, 10.0.0.5' });
    expect(c.port).toBe(9100);
    expect(c.delivery.maxAttempts).toBe(3);
    expect(c.delivery.backoffMs).toBe(1000);
    expect(c.quotas.topics).toBe(5);
    expect(c.allowHosts).toEqual(['gw.local:8080', '10.0.0.5']);
  });

  it('refuses a bad config and lists every problem at once', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ delivery: { maxAttempts: 0 }, quotas: { topics: -1 }, platforms: { dingtalk: { rateLimits: [{ max: 'x' }] } }, typo: 1 }),
    );
    let err: unknown;
    try {
      loadConfig({ HERALD_CONFIG: file, HERALD_PORT: 'abc', HERALD_SECRET_KEY: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join('\n');
    for (const expected of ['HERALD_PORT', 'delivery.maxAttempts', 'quotas.topics', 'platforms.dingtalk.rateLimits.0', 'typo', 'HERALD_SECRET_KEY']) {
      expect(text).toContain(expected);
    }
  });

  it('names a missing HERALD_CONFIG file', () => {
    expect(() => loadConfig({ HERALD_CONFIG: '/nonexistent/herald.yaml' })).toThrow(/no file at/);
  });
});

describe('platform sections, checked by each adapter’s own schema', () => {
  const write = (config: unknown) => {
    const file = join(tempDir(), 'herald.json');
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const problems = (config: unknown): string[] => {
    try {
      loadConfig({ HERALD_CONFIG: write(config) });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('the config was accepted');
  };

  it('refuses a misspelt key of a known platform, naming the key and the keys it takes', () => {
    const [p, ...rest] = problems({ platforms: { dingtalk: { apiBse: 'https://x.example' } } });
    expect(rest).toEqual([]);
    expect(p).toMatch(/^platforms\.dingtalk: unknown key "apiBse"; platforms\.dingtalk takes .*apiBase/);
    expect(p).toContain('rateLimits');
  });

  it('refuses a platform this Herald does not have, listing the ones it has', () => {
    const [p] = problems({ platforms: { nosuch: { rateLimits: [] } } });
    expect(p).toMatch(/^platforms: unknown platform "nosuch"; this Herald delivers to /);
    for (const f of adapterFactories) expect(p).toContain(f.protocol);
  });

  it('checks the types of an adapter’s own keys', () => {
    const [p] = problems({ platforms: { lark: { mode: 'carrier-pigeon' } } });
    expect(p).toMatch(/^platforms\.lark\.mode: /);
  });

  it('applies the defaults an adapter’s schema declares', () => {
    const c = loadConfig({});
    for (const f of adapterFactories) {
      const own = f.config.parse({});
      for (const [key, value] of Object.entries(own)) expect(c.platforms[f.protocol]![key], `${f.protocol}.${key}`).toEqual(value);
    }
  });
});

describe('platform environment variables', () => {
  it('maps each adapter’s variables into platforms.<protocol>', () => {
    const c = loadConfig({ HERALD_DINGTALK_CLIENT_ID: 'ding-id', HERALD_WECOM_TOKEN: 'tok' });
    expect(c.platforms.dingtalk!.clientId).toBe('ding-id');
    expect(c.platforms.wecom!.token).toBe('tok');
  });
});

/** loadConfig(): config/default.yaml, then the HERALD_CONFIG file, then HERALD_* variables; one schema check. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { adapterFactories } from '../../adapters/index.js';
import type { AdapterFactory } from '../../adapters/types.js';
import { type Config, checkedConfigSchema } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Herald cannot start, the configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
/** `config/` beside the package root, whether running from src/ (tsx) or dist/src/ (built). */
function defaultConfigPath(): string {
  for (const up of ['../../config/default.yaml', '../../../config/default.yaml']) {
    const p = resolve(here, up);
    if (existsSync(p)) return p;
  }
  throw new ConfigError(['config/default.yaml was not found next to the package']);
}

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, anything else (arrays too) is replaced. */
export function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = isTree(v) && isTree(out[k]) ? merge(out[k] as Tree, v) : v;
  }
  return out;
}

function readFile(path: string, problems: string[]): Tree {
  try {
    const text = readFileSync(path, 'utf8');
    const data = path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    if (data == null) return {};
    if (!isTree(data)) {
      problems.push(`${path}: must hold an object of config keys`);
      return {};
    }
    return data;
  } catch (err) {
    problems.push(`${path}: ${(err as Error).message}`);
    return {};
  }
}

/** The environment variables of the SPEC, as a config tree. */
function fromEnv(env: NodeJS.ProcessEnv, problems: string[], platformEnv: PlatformEnv): Tree {
  const t: Tree = {};
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) problems.push(`${name}: "${v}" is not a whole number`);
    return n;
  };
  const set = (path: string[], value: unknown) => {
    if (value === undefined || value === '') return;
    let node = t;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Tree;
    }
    node[path[path.length - 1]!] = value;
  };
  set(['port'], num('HERALD_PORT'));
  set(['host'], env.HERALD_HOST);
  set(['dataDir'], env.HERALD_DATA_DIR);
  set(['redisUrl'], env.HERALD_REDIS_URL);
  set(['adminToken'], env.HERALD_ADMIN_TOKEN);
  set(['secretKey'], env.HERALD_SECRET_KEY);
  set(['secretKeyPrevious'], env.HERALD_SECRET_KEY_PREVIOUS);
  set(['logLevel'], env.HERALD_LOG_LEVEL);
  set(['logFormat'], env.HERALD_LOG_FORMAT);
  set(['publicUrl'], env.HERALD_PUBLIC_URL);
  set(['alertmanager', 'url'], env.HERALD_ALERTMANAGER_URL);
  if (env.HERALD_ALLOW_HOSTS) {
    set(['allowHosts'], env.HERALD_ALLOW_HOSTS.split(/[\s,]+/).filter(Boolean));
  }
  for (const [protocol, vars] of Object.entries(platformEnv)) {
    for (const [name, key] of Object.entries(vars)) set(['platforms', protocol, key], env[name]);
  }
  return t;
}

const BUILT_IN: Tree = {
  port: 8711,
  host: '0.0.0.0',
  dataDir: './data',
  allowHosts: [],
  logLevel: 'info',
  logFormat: process.env.NODE_ENV === 'production' ? 'json' : 'pretty',
};

/** protocol → environment variable name → key under `platforms.<protocol>` (the adapters declare them) */
export type PlatformEnv = Record<string, Record<string, string>>;

/**
 * Loads and checks the whole configuration. The platforms come from the adapter registry: their
 * defaults are merged under the files (a new platform works without a config entry), their
 * environment variables read, and each `platforms.<protocol>` section checked by the adapter's own
 * strict schema (an unknown platform or key stops the start).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, factories: readonly AdapterFactory[] = adapterFactories): Config {
  const problems: string[] = [];
  const platformDefaults = Object.fromEntries(factories.map((f) => [f.protocol, f.defaults]));
  const platformEnv: PlatformEnv = Object.fromEntries(
    factories.map((f) => [f.protocol, Object.fromEntries(Object.entries(f.env ?? {}).map(([name, s]) => [name, s.key]))]),
  );
  let tree = merge(BUILT_IN, { platforms: platformDefaults });
  tree = merge(tree, readFile(defaultConfigPath(), problems));
  if (env.HERALD_CONFIG) {
    const path = resolve(env.HERALD_CONFIG);
    if (!existsSync(path)) problems.push(`HERALD_CONFIG: no file at ${path}`);
    else tree = merge(tree, readFile(path, problems));
  }
  tree = merge(tree, fromEnv(env, problems, platformEnv));
  const schema = checkedConfigSchema(Object.fromEntries(factories.map((f) => [f.protocol, f.config])));
  const parsed = schema.safeParse(tree);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return { ...(parsed.data as Config), dataDir: resolve(parsed.data.dataDir) };
}

export const projectRoot = (): string => resolve(dirname(defaultConfigPath()), '..');

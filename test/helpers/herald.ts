/** Start a real Herald in-process on a random port with a fresh data dir, and talk to it over HTTP. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/log.js';
import { type Running, startHerald } from '../../src/server.js';

export const ADMIN = 'test-admin-token-0123456789abcdef';

export interface TestHerald {
  url: string;
  running: Running;
  dataDir: string;
  api: (method: string, path: string, body?: unknown, opts?: { token?: string | null; headers?: Record<string, string> }) => Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'herald-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a HERALD_CONFIG file holding `config` and returns its path. */
export function configFile(dir: string, config: unknown): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export async function startTestHerald(opts: { env?: Record<string, string>; config?: unknown; log?: Logger; dataDir?: string } = {}): Promise<TestHerald> {
  const dataDir = opts.dataDir ?? tempDir();
  const env: Record<string, string> = {
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_DATA_DIR: dataDir,
    HERALD_ADMIN_TOKEN: ADMIN,
    HERALD_ALLOW_HOSTS: '127.0.0.1,localhost',
    HERALD_LOG_LEVEL: 'error',
    HERALD_LOG_FORMAT: 'json',
    ...(opts.config ? { HERALD_CONFIG: configFile(dataDir, opts.config) } : {}),
    ...opts.env,
  };
  const running = await startHerald({ env, log: opts.log });
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    running,
    dataDir,
    api: (method, path, body, o = {}) => request(url, method, path, body, o),
    async stop() {
      await running.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? ADMIN : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (typeof body === 'string') {
    payload = body;
    headers['content-type'] ??= 'text/plain';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body: parsed as any, headers: res.headers };
}

/** Polls until `check` returns a truthy value or the time runs out (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

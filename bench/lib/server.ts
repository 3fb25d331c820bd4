/**
 * Runs Herald for the bench as `npm start` does: compiled (dist/, built here with tsc), in a child
 * process, on a temp data dir, with the given config file, the local receiver allowed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/helpers/spawn.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN = 'bench-admin-token-0123456789abcdef';
/** Fixed so repos opened in the bench process read what the server writes (and the other way round). */
export const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

let built = false;
/** Compiles the server into dist/ (what npm start runs); type errors elsewhere do not stop the emit. */
export function build(): void {
  if (built) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // emitted anyway; a broken build shows as a failed start below
  }
  built = true;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'herald-bench-'));
}


export interface BenchServer {
  url: string;
  pid: number;
  dataDir: string;
  startupMs: number;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** resident set now and at its peak (VmHWM), in MB */
  rss(): { now: number; peak: number };
  /** starts a new peak from the current resident set (Linux clear_refs 5) */
  resetPeak(): void;
  stop(): Promise<number | null>;
}

export async function startServer(opts: { config: unknown; dataDir?: string; keepData?: boolean; cpuProf?: string; nodeArgs?: string[]; env?: Record<string, string> }): Promise<BenchServer> {
  build();
  const dataDir = opts.dataDir ?? tempDataDir();
  const configPath = join(dataDir, 'bench-config.json');
  writeFileSync(configPath, JSON.stringify(opts.config));
  const port = await freePort();
  const started = performance.now();
  const args = [...(opts.nodeArgs ?? []), ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []), join(ROOT, 'dist/src/main.js')];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      HERALD_PORT: String(port),
      HERALD_HOST: '127.0.0.1',
      HERALD_DATA_DIR: dataDir,
      HERALD_ADMIN_TOKEN: ADMIN,
      HERALD_SECRET_KEY: SECRET_KEY,
      HERALD_ALLOW_HOSTS: '127.0.0.1',
      HERALD_CONFIG: configPath,
      HERALD_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error('Herald exited at start (see its output above)');
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
  const startupMs = performance.now() - started;
  const status = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };
  return {
    url,
    pid: child.pid!,
    dataDir,
    startupMs,
    async api(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    rss: () => ({ now: status('VmRSS'), peak: status('VmHWM') }),
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** A config that lifts the quotas and publish limits out of the bench's way. */
export function benchConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    quotas: { topics: 100_000, subscriptionsPerTopic: 100_000 },
    publish: { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } },
    ...extra,
  };
}

/** Run Herald as a real child process (for kill -9 and signal tests). */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

export interface Child {
  proc: ChildProcess;
  url: string;
  output: () => string;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>;
}

/**
 * Starts `src/main.ts` with the given env and waits until /healthz answers. `wrap` runs it through
 * a launcher that execs it (e.g. `prlimit --fsize=…`), so the pid is still Herald's.
 */
export async function spawnHerald(env: Record<string, string>, port?: number, wrap: string[] = []): Promise<Child> {
  const p = port ?? (await freePort());
  const argv = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const proc = spawn(wrap[0] ?? argv[0]!, [...wrap.slice(1), ...(wrap.length ? argv : argv.slice(1))], {
    cwd: ROOT,
    env: { ...process.env, HERALD_PORT: String(p), HERALD_HOST: '127.0.0.1', HERALD_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((r) => proc.on('exit', (code, sig) => r(code ?? sig ?? 'unknown')));
  const url = `http://127.0.0.1:${p}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`Herald exited at start:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`Herald did not start in 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, url, output: () => out, exited };
}

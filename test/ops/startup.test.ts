/**
 * What a new user sees at start: the console URL, where the admin token came from, and `/`
 * leading to the console.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { ADMIN, tempDir } from '../helpers/herald.js';
import { spawnHerald } from '../helpers/spawn.js';

const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const lines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { message: string; from?: string });

async function runOnce(env: Record<string, string>) {
  const child = await spawnHerald({ HERALD_DATA_DIR: dataDir, HERALD_LOG_LEVEL: 'info', ...env });
  try {
    const root = await fetch(`${child.url}/`, { redirect: 'manual' });
    return { out: child.output(), url: child.url, root };
  } finally {
    child.proc.kill('SIGTERM');
    await child.exited;
  }
}

it('logs the console URL and where the admin token came from: generated, stored, then the environment', async () => {
  const first = await runOnce({});
  const token = /\n {4}(hrld_\S+)\n/.exec(first.out)?.[1];
  expect(token).toBeDefined();
  const firstLog = lines(first.out);
  expect(firstLog.some((l) => l.message.includes(`console at ${first.url}/console`))).toBe(true);
  expect(firstLog.find((l) => l.message.startsWith('admin token:'))?.from).toBe('generated');
  // the token itself is printed once to the terminal, never in a log line
  expect(firstLog.some((l) => JSON.stringify(l).includes(token!))).toBe(false);
  expect(first.root.status).toBe(302);
  expect(first.root.headers.get('location')).toBe('/console');

  const second = await runOnce({});
  expect(lines(second.out).find((l) => l.message.startsWith('admin token:'))?.from).toBe('stored');
  expect(second.out).not.toContain('generated an admin token');

  const third = await runOnce({ HERALD_ADMIN_TOKEN: ADMIN });
  const line = lines(third.out).find((l) => l.message.startsWith('admin token:'));
  expect(line?.from).toBe('environment');
  expect(line?.message).toContain('HERALD_ADMIN_TOKEN');
}, 90_000);

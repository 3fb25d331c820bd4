/** The `herald` CLI run as a child process against a real Herald and a recording webhook receiver. */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFactories } from '../../adapters/index.js';
import { ADMIN, startTestHerald, type TestHerald, tempDir, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { freePort } from '../helpers/spawn.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return new Promise((ok) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, HERALD_URL: h.url, HERALD_TOKEN: ADMIN, ...opts.env } },
      (err, stdout, stderr) => ok({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
    child.stdin!.end(opts.input ?? '');
  });
}

let h: TestHerald;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald({ config: { delivery: { maxAttempts: 1 } } });
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

describe('talking to a server', () => {
  it('creates a topic, subscribes, lists', async () => {
    expect(await cli(['topics', 'create', 'deploys'])).toMatchObject({ code: 0, stdout: 'created topic deploys\n' });
    const sub = await cli(['subscribe', 'deploys', '--protocol', 'webhook', '--endpoint', `${rx.url}/ci`, '--secret', 'sign-key-123']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^subscribed s\w+: webhook http:\/\/127\.0\.0\.1:\d+\/ci to deploys\n$/);
    expect(sub.stdout).not.toContain('sign-key-123');
    const list = await cli(['topics']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^deploys\s+1\s+deploys$/m);
    const json = await cli(['topics', '--json']);
    expect(JSON.parse(json.stdout).topics).toEqual([expect.objectContaining({ name: 'deploys', subscriptionCount: 1 })]);
  });

  it('publishes text given as an argument and from stdin', async () => {
    const a = await cli(['publish', 'deploys', 'api v2.3 is live']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^published m\w+ to 1 subscription\(s\)\n$/);
    const b = await cli(['publish', 'deploys', '-', '--subject', 'disk report', '--level', 'warning'], { input: '/dev/sda1 93%\n' });
    expect(b.code).toBe(0);
    await waitFor('two deliveries', () => rx.hits.length >= 2);
    const messages = rx.hits.map((x) => x.json);
    expect(messages).toContainEqual(expect.objectContaining({ message: 'api v2.3 is live' }));
    expect(messages).toContainEqual(expect.objectContaining({ subject: 'disk report', level: 'warning', message: '/dev/sda1 93%\n' }));
  });

  it('follows a publish until nothing is pending (--wait) and shows the records', async () => {
    const run = await cli(['publish', 'deploys', 'waited for', '--wait']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/1\/1 delivered, 0 failed, 0 pending/);
    expect(run.stdout).toMatch(/webhook\s+delivered\s+attempts 1/);
    const id = /message (m\w+) on topic deploys/.exec(run.stdout)![1]!;
    const records = await cli(['records', id, '--json']);
    expect(JSON.parse(records.stdout)).toMatchObject({ id, topic: 'deploys', deliveries: [{ status: 'delivered', attempts: 1 }] });
  });

  it('exits 1 when a delivery failed, with its reason', async () => {
    rx.failNext(1, 410);
    const pub = await cli(['publish', 'deploys', 'goes nowhere', '--json']);
    const { messageId } = JSON.parse(pub.stdout);
    const run = await cli(['records', messageId, '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/failed\s+attempts 1 — the receiver refused the delivery \(HTTP 410\).*\(410\)/);
    expect(run.stdout).toMatch(/0\/1 delivered, 1 failed, 0 pending/);
  });

  it("prints the API's message and code and exits 1 when Herald refuses", async () => {
    const missing = await cli(['publish', 'nope', 'hi']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^herald: No topic is named "nope".*\(topic_not_found, HTTP 404\)\n$/);
    const badToken = await cli(['topics'], { env: { HERALD_TOKEN: 'not-a-token' } });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('(unauthorized, HTTP 401)');
    const flagWins = await cli(['topics', '--token', 'also-wrong']);
    expect(flagWins.code).toBe(1);
    expect(flagWins.stderr).toContain('unauthorized');
    const unreachable = await cli(['topics', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Could not reach Herald at http:\/\/127\.0\.0\.1:\d+ .*\(unreachable\)/);
  });

  it('exits 2 on bad usage, with a pointer to --help', async () => {
    const unknown = await cli(['publish', 'deploys', 'x', '--bogus']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'.*\nRun "herald publish --help" for usage/s);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['subscribe', 'deploys', '--protocol', 'webhook'])).code).toBe(2);
    const noToken = await cli(['topics'], { env: { HERALD_TOKEN: undefined } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('set HERALD_TOKEN or pass --token');
    expect(rx.hits.every((x) => x.json.message !== 'x')).toBe(true);
  });

  it('prints help for the whole CLI and for each command', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['serve', 'publish', 'topics', 'subscribe', 'records', 'HERALD_URL', 'HERALD_TOKEN']) expect(help.stdout).toContain(c);
    expect((await cli(['records', '--help'])).stdout).toContain('--wait');
    // the protocols and their endpoint examples come from the adapter registry
    const subscribe = (await cli(['subscribe', '--help'])).stdout;
    for (const f of adapterFactories) {
      expect(subscribe).toContain(f.protocol);
      expect(subscribe).toContain(f.describe.fields.find((x) => x.name === 'endpoint')!.example);
    }
    expect((await cli([])).code).toBe(2);
  });
});

describe('the whole API', () => {
  it('topics, subscriptions, templates and tokens: list, create, delete, with --json', async () => {
    expect((await cli(['topics', 'create', 'crud'])).code).toBe(0);
    const sub = await cli(['subscriptions', 'create', 'crud', '--protocol', 'webhook', '--endpoint', `${rx.url}/crud`, '--secret', 'crud-secret-123', '--json']);
    expect(sub.code).toBe(0);
    const { id } = JSON.parse(sub.stdout);
    const subs = await cli(['subscriptions', 'list', 'crud']);
    expect(subs.stdout).toMatch(new RegExp(`^ID\\s+PROTOCOL.*\\n${id}\\s+webhook\\s+api\\s+http://127`, 's'));
    expect(subs.stdout).not.toContain('crud-secret-123');

    const tpl = await cli(['templates', 'create', 'crud-t', '--protocol', 'default', '-'], { input: '**{{subject}}**\n{{message}}' });
    expect(tpl).toMatchObject({ code: 0, stdout: 'created template crud-t/default\n' });
    expect((await cli(['templates', 'list'])).stdout).toMatch(/^crud-t\s+default\s+\S+\s+\*\*\{\{subject\}\}\*\*…$/m);
    const broken = await cli(['templates', 'update', 'crud-t', 'default', '--content', 'x\n{{nope a}}']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('line 2, column 1: unknown helper "nope"');
    expect(JSON.parse((await cli(['templates', 'list', '--json'])).stdout).templates).toContainEqual(expect.objectContaining({ name: 'crud-t', content: '**{{subject}}**\n{{message}}' }));

    const made = await cli(['tokens', 'create', 'crud-ci', '--scope', 'publish:crud']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    expect(made.stderr).toContain('shown this once');
    expect((await cli(['publish', 'crud', 'via the new token'], { env: { HERALD_TOKEN: token } })).code).toBe(0);
    expect((await cli(['tokens', 'list'])).stdout).toMatch(/^crud-ci\s+publish:crud\s/m);
    expect((await cli(['tokens', 'delete', 'crud-ci'])).stdout).toBe('deleted token crud-ci\n');
    expect((await cli(['publish', 'crud', 'revoked'], { env: { HERALD_TOKEN: token } })).code).toBe(1);

    expect((await cli(['templates', 'delete', 'crud-t', 'default'])).code).toBe(0);
    expect((await cli(['subscriptions', 'delete', id])).stdout).toBe(`deleted subscription ${id}\n`);
    expect((await cli(['topics', 'delete', 'crud'])).code).toBe(0);
    const gone = await cli(['topics', 'delete', 'crud']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('topic_not_found');
    expect((await cli(['tokens', 'create', 'no-scope'])).code).toBe(2);
    expect((await cli(['subscriptions', 'frob'])).code).toBe(2);
  });

  it('deliveries replay --failed --topic replays them all and says how many', async () => {
    expect((await cli(['topics', 'create', 'flaky'])).code).toBe(0);
    expect((await cli(['subscribe', 'flaky', '--protocol', 'webhook', '--endpoint', `${rx.url}/flaky`, '--secret', 'flaky-secret-1'])).code).toBe(0);
    rx.failNext(2, 410);
    const ids: string[] = [];
    for (const text of ['one', 'two']) ids.push(JSON.parse((await cli(['publish', 'flaky', text, '--json'])).stdout).messageId);
    for (const id of ids) expect((await cli(['records', id, '--wait'])).code).toBe(1);
    const listed = await cli(['deliveries', 'list', '--failed']);
    expect(listed.stdout).toMatch(/flaky\s+webhook\s+1\s+the receiver refused/);
    expect((await cli(['deliveries', 'replay', '--failed', '--topic', 'flaky', '--dry-run'])).stdout).toBe('2 failed deliveries of topic flaky would be replayed\n');
    const run = await cli(['deliveries', 'replay', '--failed', '--topic', 'flaky']);
    expect(run).toMatchObject({ code: 0, stdout: 'replayed 2 failed deliveries of topic flaky\n' });
    for (const id of ids) expect((await cli(['records', id, '--wait'])).code).toBe(0);
    expect((await cli(['deliveries', 'replay', '--topic', 'flaky'])).code).toBe(2);
  });

  it('messages and deliveries list page on with the command for the next page, or all at once', async () => {
    expect((await cli(['topics', 'create', 'pages'])).code).toBe(0);
    expect((await cli(['subscribe', 'pages', '--protocol', 'webhook', '--endpoint', `${rx.url}/pages`, '--secret', 'pages-secret-1'])).code).toBe(0);
    const ids: string[] = [];
    for (const text of ['first', 'second', 'third']) ids.push(JSON.parse((await cli(['publish', 'pages', text, '--json'])).stdout).messageId);
    const page = await cli(['messages', 'pages', '--limit', '2']);
    expect(page.code).toBe(0);
    expect(page.stdout).toMatch(new RegExp(`${ids[2]}.*third[\\s\\S]*${ids[1]}.*second`));
    expect(page.stdout).not.toContain(ids[0]!);
    const more = /^more: herald (messages pages --limit 2 --cursor \S+)$/m.exec(page.stderr);
    expect(more).not.toBeNull();
    const rest = await cli(more![1]!.split(' '));
    expect(rest.stdout).toContain(ids[0]!);
    expect(rest.stdout).not.toContain(ids[1]!);
    expect(rest.stderr).toBe('');
    const all = JSON.parse((await cli(['messages', 'pages', '--limit', '1', '--all', '--json'])).stdout);
    expect(all.messages.map((m: { id: string }) => m.id)).toEqual([...ids].reverse());
    for (const id of ids) expect((await cli(['records', id, '--wait'])).code).toBe(0);
    const delivered = JSON.parse((await cli(['deliveries', 'list', '--status', 'delivered', '--topic', 'pages', '--limit', '2', '--all', '--json'])).stdout);
    expect(delivered.deliveries.map((d: { id: string }) => d.id)).toEqual([...ids].reverse().map((id) => `${id}.00000`));
    const one = await cli(['deliveries', 'list', '--topic', 'pages', '--limit', '1']);
    expect(one.stdout).toMatch(new RegExp(`${ids[2]}\\.00000\\s+delivered\\s+pages`));
    expect(one.stderr).toMatch(/^more: herald deliveries list --limit 1 --topic pages --cursor \S+$/m);
  });

  it('tail follows new messages and their deliveries', async () => {
    expect((await cli(['topics', 'create', 'tailed'])).code).toBe(0);
    expect((await cli(['subscribe', 'tailed', '--protocol', 'webhook', '--endpoint', `${rx.url}/tailed`, '--secret', 'tail-secret-12'])).code).toBe(0);
    await cli(['publish', 'tailed', 'before tail']);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'tail', 'tailed', '--interval', '0.2', '--json'], {
      cwd: ROOT,
      env: { ...process.env, HERALD_URL: h.url, HERALD_TOKEN: ADMIN },
    });
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await new Promise((r) => child.stderr!.once('data', r)); // "following tailed" once the first poll is done
      await cli(['publish', 'tailed', 'seen by tail', '--subject', 'Tail me']);
      const events = await waitFor('the message and its delivery', () => {
        const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
        return lines.some((e) => e.event === 'delivery' && e.delivery.status === 'delivered') && lines;
      });
      expect(events[0]).toMatchObject({ event: 'message', message: { subject: 'Tail me', text: 'seen by tail' } });
      expect(events.some((e: { message?: { text?: string } }) => e.message?.text === 'before tail')).toBe(false);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

it('serve starts a server that answers, and stops on SIGTERM with exit code 0', async () => {
  const dir = tempDir();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dir], {
    cwd: ROOT,
    env: { ...process.env, HERALD_ADMIN_TOKEN: ADMIN, HERALD_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const ok = await waitFor('the server', () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false));
    expect(ok).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

it('bin/herald.js says how to build when dist is absent', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin/herald.js'), join(dir, 'bin/herald.js'));
  const run = await new Promise<Run>((ok) =>
    execFile(process.execPath, [join(dir, 'bin/herald.js'), 'topics'], (err, stdout, stderr) =>
      ok({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('npm run build');
});

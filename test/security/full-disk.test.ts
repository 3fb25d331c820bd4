/**
 * A full disk, for real: Herald runs under RLIMIT_FSIZE (`prlimit --fsize`, no root needed; Node
 * ignores SIGXFSZ), so once its SQLite files reach the limit every write that needs more room fails
 * inside SQLite (EFBIG → SQLITE_IOERR_WRITE), exactly as on a full disk. Then /readyz fails, every
 * write (admin API, chat command, publish) answers 503 `unavailable` and changes nothing; once the
 * limit is lifted, Herald is ready again by itself.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, configFile, request, tempDir, waitFor } from '../helpers/herald.js';
import { missing } from '../helpers/needs.js';
import { type Child, spawnHerald } from '../helpers/spawn.js';
import { groupText, messageCallback, post, startResponseUrlServer, WECOM_AES_KEY, WECOM_TOKEN, type ResponseUrlServer } from '../helpers/wecom-callback.js';

/** Each SQLite file (database, WAL) may grow to this many bytes. */
const FILE_LIMIT = 3 * 1024 * 1024;
const BIG = 'x'.repeat(200_000);

const hasPrlimit = (() => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = missing('prlimit', hasPrlimit, 'apt-get install util-linux');

describe.skipIf(skip)('a full disk under the embedded store', () => {
  const dir = tempDir('herald-full-disk-');
  let herald: Child;
  let wecom: ResponseUrlServer;
  const api = (method: string, path: string, body?: unknown, token: string | null = ADMIN) => request(herald.url, method, path, body, { token });

  beforeAll(async () => {
    wecom = await startResponseUrlServer();
    herald = await spawnHerald(
      {
        HERALD_DATA_DIR: dir,
        HERALD_ADMIN_TOKEN: ADMIN,
        HERALD_ALLOW_HOSTS: '127.0.0.1,localhost',
        HERALD_LOG_LEVEL: 'error',
        HERALD_WECOM_TOKEN: WECOM_TOKEN,
        HERALD_WECOM_ENCODING_AES_KEY: WECOM_AES_KEY,
        // no sweep (and its checkpoint) while the test runs
        HERALD_CONFIG: configFile(dir, { records: { sweepIntervalMs: 3_600_000 } }),
      },
      undefined,
      // the soft limit only: lifting it again needs no privilege, whatever the hard limit is
      ['prlimit', `--fsize=${FILE_LIMIT}:`],
    );
  }, 30_000);
  afterAll(async () => {
    herald?.proc.kill('SIGKILL');
    await herald?.exited;
    await wecom?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails /readyz, refuses every write with 503 unavailable, changes nothing, and recovers', async () => {
    expect((await api('GET', '/readyz', undefined, null)).status).toBe(200);
    expect((await api('POST', '/v1/topics', { name: 'disk' })).status).toBe(201);

    // fill the files until SQLite refuses
    let refused: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const r = await api('POST', '/v1/topics/disk/publish', { message: `${i} ${BIG}` });
      if (r.status !== 202) refused = r;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body.error.code).toBe('unavailable');

    const ready = await api('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).toMatch(/^cannot write: SQLITE_(FULL|IOERR)/);
    expect((await api('GET', '/healthz', undefined, null)).status).toBe(200);

    const before = {
      topics: (await api('GET', '/v1/topics')).body,
      subs: (await api('GET', '/v1/topics/disk/subscriptions')).body,
      templates: (await api('GET', '/v1/templates')).body,
      tokens: (await api('GET', '/v1/tokens')).body,
      audit: (await api('GET', '/v1/audit?limit=1000')).body,
    };
    const writes: [string, string, unknown][] = [
      ['POST', '/v1/topics', { name: 'late' }],
      ['PATCH', '/v1/topics/disk', { displayName: 'changed' }],
      ['DELETE', '/v1/topics/disk', undefined],
      ['POST', '/v1/topics/disk/subscriptions', { protocol: 'webhook', endpoint: 'http://127.0.0.1:9/hook' }],
      ['POST', '/v1/templates', { name: 'late', protocol: 'default', content: '{{message}}' }],
      ['POST', '/v1/tokens', { name: 'late', scopes: ['publish:disk'] }],
      ['POST', '/v1/topics/disk/publish', { message: 'a small one' }],
    ];
    for (const [method, path, body] of writes) {
      const r = await api(method, path, body);
      expect([method, path, r.status, r.body?.error?.code]).toEqual([method, path, 503, 'unavailable']);
      expect(r.body.error.message).toMatch(/cannot take writes/);
    }
    // a chat command: the callback is answered 503 (the platform retries it later), nothing subscribed
    const chat = await post(messageCallback(`${herald.url}/v1/callbacks/wecom`, groupText('@Herald /subscribe disk 0123456789abcdef', { responseUrl: wecom.next() })));
    expect(chat.status).toBe(503);
    expect(JSON.parse(chat.body).error.code).toBe('unavailable');
    // a forged one is still refused as forged: verification comes before any write
    const forged = await post(messageCallback(`${herald.url}/v1/callbacks/wecom`, groupText('@Herald /subscribe disk 0123456789abcdef', { responseUrl: wecom.next() }), { token: 'not-the-token' }));
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('callback_refused');

    expect((await api('GET', '/v1/topics')).body).toEqual(before.topics);
    expect((await api('GET', '/v1/topics/disk/subscriptions')).body).toEqual(before.subs);
    expect((await api('GET', '/v1/templates')).body).toEqual(before.templates);
    expect((await api('GET', '/v1/tokens')).body).toEqual(before.tokens);
    expect((await api('GET', '/v1/audit?limit=1000')).body).toEqual(before.audit);

    // room again: the next probe goes through, and so do writes
    const pid = String(herald.proc.pid);
    const hard = execFileSync('prlimit', ['--pid', pid, '--fsize', '--raw', '--noheadings', '--output', 'HARD'], { encoding: 'utf8' }).trim();
    execFileSync('prlimit', ['--pid', pid, `--fsize=${hard}:`]);
    await waitFor('ready again', async () => (await api('GET', '/readyz', undefined, null)).status === 200);
    expect((await api('POST', '/v1/topics', { name: 'late' })).status).toBe(201);
    expect((await api('POST', '/v1/topics/disk/publish', { message: BIG })).status).toBe(202);
  }, 60_000);
});

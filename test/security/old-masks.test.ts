/**
 * A data dir from before the mask fix: its subscription still stores the old mask (the short first
 * path segment in full) and its audit entries keep the endpoint in clear. The next start masks it
 * again from the sealed endpoint and scrubs the trail, in the store and in the files on disk, once.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, tempDir } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const CREDENTIAL = 'Shhgyv2e9r';
const dir = tempDir('herald-old-masks-');
const file = join(dir, 'herald.sqlite');
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(async () => {
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = { key: string; value: string };
const rows = (where: string): Row[] => {
  const db = new Database(file);
  try {
    return db.prepare(`SELECT key, value FROM keyv WHERE ${where} ORDER BY key`).all() as Row[];
  } finally {
    db.close();
  }
};
/** Every byte Herald keeps on disk for the store. */
const onDisk = () => [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');

describe('a store written before the mask fix', () => {
  let id: string;
  let endpoint: string;

  beforeAll(async () => {
    const h = await startTestHerald({ dataDir: dir });
    expect((await h.api('POST', '/v1/topics', { name: 'legacy' })).status).toBe(201);
    endpoint = `${rx.url}/${CREDENTIAL}`;
    const sub = await h.api('POST', '/v1/topics/legacy/subscriptions', { protocol: 'webhook', endpoint });
    expect(sub.status).toBe(201);
    id = sub.body.id;
    await h.stop();
    // the old shape: the mask as the old code made it, the endpoint in the audit entry, no migration mark
    const db = new Database(file);
    const put = db.prepare('UPDATE keyv SET value = ? WHERE key = ?');
    for (const r of db.prepare("SELECT key, value FROM keyv WHERE key = ? OR key LIKE 'audit:%'").all(`sub:${id}`) as Row[]) {
      const row = JSON.parse(r.value);
      if (r.key.startsWith('sub:')) row.value.maskedEndpoint = endpoint;
      else if (row.value.action === 'subscription.create') row.value.details = { ...row.value.details, endpoint };
      put.run(JSON.stringify(row), r.key);
    }
    db.prepare("DELETE FROM keyv WHERE key = 'masks-version'").run();
    db.close();
    expect(onDisk()).toContain(CREDENTIAL);
  }, 30_000);

  it('shows and stores the current mask, and keeps no endpoint in the trail, on disk either', async () => {
    const h = await startTestHerald({ dataDir: dir });
    const one = await h.api('GET', `/v1/subscriptions/${id}`);
    expect(one.body.endpoint).toBe(`${rx.url}/Shh…`);
    const list = await h.api('GET', '/v1/topics/legacy/subscriptions');
    expect(list.body.subscriptions.map((s: { endpoint: string }) => s.endpoint)).toEqual([`${rx.url}/Shh…`]);
    const audit = await h.api('GET', '/v1/audit?limit=100');
    expect(JSON.stringify(audit.body)).not.toContain(CREDENTIAL);
    await h.stop();

    expect(JSON.parse(rows(`key = 'sub:${id}'`)[0]!.value).value.maskedEndpoint).toBe(`${rx.url}/Shh…`);
    for (const r of rows("key LIKE 'audit:%'")) expect(JSON.parse(r.value).value.details ?? {}).not.toHaveProperty('endpoint');
    expect(onDisk()).not.toContain(CREDENTIAL);
  }, 30_000);

  it('does it once: the next start rewrites nothing', async () => {
    const before = rows("key LIKE 'sub:%' OR key LIKE 'audit:%'");
    const h = await startTestHerald({ dataDir: dir });
    await h.stop();
    expect(rows("key LIKE 'sub:%' OR key LIKE 'audit:%'")).toEqual(before);
  }, 30_000);
});

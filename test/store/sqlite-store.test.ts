/**
 * The embedded engine on its own: the 0.1 file format (keyv rows + herald_sets) opens unchanged,
 * group commit is atomic per batch, expired rows are swept, and data survives a reopen.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secret-box.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SubscriptionRepo } from '../../src/store/subscriptions.js';
import { ADMIN, startTestHerald, tempDir } from '../helpers/herald.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

/** Writes a data dir the way Herald 0.1 did (@keyv/sqlite's table and Herald's set table), in plain SQL. */
function write01(dataDir: string, rows: [string, unknown, number | null][], sets: [string, string][]): void {
  const db = new Database(join(dataDir, 'herald.sqlite'));
  db.exec('CREATE TABLE keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)');
  db.exec('CREATE TABLE herald_sets(name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY(name, member)) WITHOUT ROWID');
  const ins = db.prepare('INSERT INTO keyv(key, value) VALUES (?, ?)');
  for (const [key, value, expires] of rows) ins.run(key, JSON.stringify({ value, expires }));
  const sadd = db.prepare('INSERT INTO herald_sets(name, member) VALUES (?, ?)');
  for (const [name, member] of sets) sadd.run(name, member);
  db.close();
}

it('opens a data dir written by 0.1 and serves its topics and records', async () => {
  const dataDir = dir();
  const at = '2026-11-30T10:00:00.000Z';
  const topic = { name: 'legacy', displayName: 'Legacy', createdAt: at, updatedAt: at };
  const msg = {
    id: 'mlegacy0000000001',
    topic: 'legacy',
    level: 'info',
    mentions: {},
    attributes: {},
    bodies: { default: 'hello from 0.1' },
    format: 'text',
    source: 'api',
    deliveryCount: 0,
    createdAt: '2026-11-30T10:05:00.000Z',
  };
  write01(
    dataDir,
    [
      ['topic:legacy', topic, null],
      ['msg:mlegacy0000000001', msg, Date.now() + 86_400_000],
    ],
    [
      ['topics', 'legacy'],
      ['topic-msgs:legacy', 'mlegacy0000000001'],
    ],
  );
  const h = await startTestHerald({ dataDir });
  try {
    const topics = await h.api('GET', '/v1/topics');
    expect(topics.body.topics.map((t: { name: string }) => t.name)).toEqual(['legacy']);
    expect((await h.api('GET', '/v1/messages/mlegacy0000000001')).body.topic).toBe('legacy');
    const list = await h.api('GET', '/v1/topics/legacy/messages');
    expect(list.status).toBe(200);
    expect(list.body.messages.map((m: { id: string }) => m.id)).toEqual(['mlegacy0000000001']);
    // and it keeps working: a new topic lands in the same file
    expect((await h.api('POST', '/v1/topics', { name: 'fresh' }, { token: ADMIN })).status).toBe(201);
  } finally {
    await h.stop();
  }
});

it('commits each batch whole, keeps the last write of a key, and survives a reopen', async () => {
  const dataDir = dir();
  const a = new SqliteStore(dataDir);
  await Promise.all([
    a.batch([
      { op: 'set', key: 'k1', value: 1 },
      { op: 'sadd', set: 's', member: 'x' },
    ]),
    a.batch([
      { op: 'set', key: 'k1', value: 2 },
      { op: 'sadd', set: 's', member: 'y' },
      { op: 'srem', set: 's', member: 'x' },
    ]),
    a.set('k2', { deep: ['v'] }),
  ]);
  expect(await a.get('k1')).toBe(2);
  expect(await a.smembers('s')).toEqual(['y']);
  await a.close();
  const b = new SqliteStore(dataDir);
  expect(await b.getMany(['k1', 'k2', 'nope'])).toEqual([2, { deep: ['v'] }, undefined]);
  expect(await b.scard('s')).toBe(1);
  await b.close();
});

it('a batch that fails rolls back whole and leaves the store usable', async () => {
  const dataDir = dir();
  const a = new SqliteStore(dataDir);
  await a.set('ok', 1);
  // a trigger fails the set insert after the key's row is already written in the same transaction
  const db = new Database(join(dataDir, 'herald.sqlite'));
  db.exec("CREATE TRIGGER boom BEFORE INSERT ON herald_sets WHEN NEW.member = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
  db.close();
  const bad = { op: 'set' as const, key: 'x', value: 1 };
  await expect(a.batch([bad, { op: 'sadd', set: 's', member: 'boom' }])).rejects.toThrow(/boom/);
  expect(await a.get('x')).toBeUndefined();
  await a.set('after', 2);
  expect(await a.getMany(['ok', 'after'])).toEqual([1, 2]);
  await a.close();
});

it('sweeps expired rows in small transactions and keeps live ones', async () => {
  const dataDir = dir();
  const a = new SqliteStore(dataDir);
  const ops = Array.from({ length: 1_200 }, (_, i) => ({ op: 'set' as const, key: `old${i}`, value: i, ttlMs: 1 }));
  await a.batch(ops);
  await a.set('forever', true);
  await a.set('later', true, 60_000);
  const dropped = await a.sweepExpired(Date.now() + 10);
  expect(dropped).toBe(1_200);
  await a.close();
  const db = new Database(join(dataDir, 'herald.sqlite'));
  const keys = db.prepare('SELECT key FROM keyv ORDER BY key').pluck().all();
  db.close();
  expect(keys).toEqual(['forever', 'later']);
});

it("lists a topic's targets from the routing fields the engine picks out, page by page, and skips gone or expired rows", async () => {
  const store = new SqliteStore(dir());
  try {
    const subs = Array.from({ length: 2_500 }, (_, i) => ({
      id: `s${String(i).padStart(5, '0')}`,
      topic: 't',
      protocol: i % 3 ? 'webhook' : 'dingtalk',
      endpoint: 'sealed',
      fingerprint: `f${i}`,
      maskedEndpoint: 'https://…',
      remark: 'x'.repeat(200),
      ...(i % 500 === 1 ? { filter: { level: ['critical'] } } : {}),
      ...(i % 700 === 2 ? { quietHours: { start: '22:00', end: '07:00', timezone: 'Asia/Shanghai' } } : {}),
      ...(i % 900 === 3 ? { mutedUntil: '2099-01-01T00:00:00.000Z' } : {}),
    }));
    await store.batch([
      ...subs.map((s) => ({ op: 'set' as const, key: `sub:${s.id}`, value: s })),
      ...subs.map((s) => ({ op: 'sadd' as const, set: 'topic-subs:t', member: s.id })),
      { op: 'sadd', set: 'topic-subs:t', member: 'sgone' }, // a member whose record is gone
      { op: 'set', key: 'sub:sexpired', value: { id: 'sexpired', protocol: 'webhook' }, ttlMs: 1 },
      { op: 'sadd', set: 'topic-subs:t', member: 'sexpired' },
    ]);
    await new Promise((r) => setTimeout(r, 5));
    const repo = new SubscriptionRepo(store, new SecretBox(Buffer.alloc(32, 1)), Buffer.alloc(32, 2), false);
    const refs = await repo.targetsOf('t');
    expect(refs).toEqual(
      subs.map((s) => ({
        id: s.id,
        protocol: s.protocol,
        ...('filter' in s ? { filter: s.filter } : {}),
        ...('quietHours' in s ? { quietHours: s.quietHours } : {}),
        ...('mutedUntil' in s ? { mutedUntil: s.mutedUntil } : {}),
      })),
    );
    const page = await store.setValueFields('topic-subs:t', 'sub:', ['id', 'remark'], 's02497', 10);
    expect(page).toEqual([
      ['s02498', { id: 's02498', remark: 'x'.repeat(200) }],
      ['s02499', { id: 's02499', remark: 'x'.repeat(200) }],
    ]);
    await expect(store.setValueFields('topic-subs:t', 'sub:', ["id') --"], '', 10)).rejects.toThrow(/not a field name/);
  } finally {
    await store.close();
  }
});

/**
 * (f) Records: a topic with 100,000 messages (each with its delivery), and a topic whose 45,000
 * oldest records are past retention next to 5,000 live ones, written through the repositories into
 * a data dir. Then a server on it: the newest page of the big topic and cursor pages after it; the
 * record sweep deleting the 45,000 (with /healthz probed meanwhile); the listing afterwards; and a
 * count of index entries whose record is gone (read from the SQLite file beside the server).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'libsql';
import { newId } from '../src/store/ids.js';
import { type DeliveryRecord, type MessageRecord, MessageRepo } from '../src/store/messages.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { TopicRepo } from '../src/store/topics.js';
import { benchConfig, startServer, tempDataDir } from './lib/server.js';

export const BIG_TOPIC = 100_000;
export const EXPIRED = 45_000;
export const LIVE = 5_000;
const DAY = 86_400_000;
const CHUNK = 2_000;

export interface RecordsResult {
  seedMs: number;
  newestPageMs: { p50: number; p95: number };
  cursorPageMs: { p50: number; p95: number };
  pagesOverlap: number;
  sweepMs: number;
  healthzMaxDuringSweepMs: number;
  agedListMs: { p50: number; p95: number };
  deadIds: number;
  indexEntriesLeft: number;
}

/** An id as newId makes it, at a given time. */
let seq = 0;
const idAt = (ms: number) => `m${ms.toString(36).padStart(9, '0')}${(seq++ % 46656).toString(36).padStart(3, '0')}${randomBytes(5).toString('hex')}`;

async function seedTopic(messages: MessageRepo, store: SqliteStore, topic: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const ops = ids.slice(i, i + CHUNK).flatMap((id) => {
      const now = new Date().toISOString();
      const msg: MessageRecord = {
        id,
        topic,
        text: `record ${id}`,
        level: 'info',
        mentions: {},
        attributes: {},
        bodies: { default: `record ${id}` },
        format: 'text',
        source: 'api',
        deliveryCount: 1,
        createdAt: now,
      };
      const d: DeliveryRecord = {
        id: `${id}.00000`,
        messageId: id,
        topic,
        subscriptionId: 'sbench',
        protocol: 'webhook',
        status: 'delivered',
        attempts: 1,
        partsDone: 1,
        deliveredAt: now,
        updatedAt: now,
      };
      return [...messages.createOps(msg, []), ...messages.saveOps(d)];
    });
    await store.batch(ops);
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! };
};

export async function benchRecords(): Promise<RecordsResult> {
  const dataDir = tempDataDir();
  const seeded = Date.now();
  {
    const store = new SqliteStore(dataDir);
    const messages = new MessageRepo(store, 7 * DAY);
    const topics = new TopicRepo(store);
    const created = new Date(Date.now() - 30 * DAY).toISOString();
    for (const name of ['rec-big', 'rec-aged']) await topics.create({ name, displayName: name, createdAt: created, updatedAt: created });
    await seedTopic(messages, store, 'rec-big', Array.from({ length: BIG_TOPIC }, () => newId('m')));
    const old = Date.now() - 8 * DAY;
    await seedTopic(messages, store, 'rec-aged', Array.from({ length: EXPIRED }, (_, i) => idAt(old + Math.floor(i / 10))));
    await seedTopic(messages, store, 'rec-aged', Array.from({ length: LIVE }, () => newId('m')));
    await store.close();
  }
  const seedMs = Date.now() - seeded;

  // the sweep waits until the pages are measured: a first pass only after 20 s
  const server = await startServer({ config: benchConfig({ records: { retentionDays: 7, sweepIntervalMs: 20_000 } }), dataDir });
  try {
    const timed = async (path: string) => {
      const t = performance.now();
      const res = await server.api('GET', path);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return { ms: performance.now() - t, body: res.body as { messages: { id: string }[]; next: string | null } };
    };
    for (let i = 0; i < 3; i++) await timed('/v1/topics/rec-big/messages?limit=20');
    const newest: number[] = [];
    for (let i = 0; i < 30; i++) newest.push((await timed('/v1/topics/rec-big/messages?limit=20')).ms);
    const seen = new Set<string>();
    let overlap = 0;
    const cursorMs: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const r = await timed(`/v1/topics/rec-big/messages?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      cursorMs.push(r.ms);
      for (const m of r.body.messages) {
        if (seen.has(m.id)) overlap++;
        seen.add(m.id);
      }
      cursor = r.body.next;
    }

    // the sweep: wait for its first pass, probing /healthz
    const db = new Database(join(dataDir, 'herald.sqlite'), { readonly: true } as never);
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    const agedLeft = () => count("SELECT count(*) AS n FROM herald_zsets WHERE name = 'topic-msgs:rec-aged'");
    let healthMax = 0;
    let sweepStart = 0;
    const until = Date.now() + 120_000;
    while (agedLeft() > LIVE && Date.now() < until) {
      const t = performance.now();
      await fetch(`${server.url}/healthz`);
      const ms = performance.now() - t;
      if (sweepStart === 0 && agedLeft() < EXPIRED + LIVE) sweepStart = performance.now();
      if (sweepStart) healthMax = Math.max(healthMax, ms);
      await new Promise((r) => setTimeout(r, 10));
    }
    const sweepMs = sweepStart ? performance.now() - sweepStart : 0;
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 3; i++) await timed('/v1/topics/rec-aged/messages?limit=20');
    const aged: number[] = [];
    for (let i = 0; i < 30; i++) aged.push((await timed('/v1/topics/rec-aged/messages?limit=20')).ms);
    const deadIds = count(`SELECT
        (SELECT count(*) FROM herald_zsets z WHERE z.name LIKE 'topic-msgs:%' AND NOT EXISTS (SELECT 1 FROM keyv WHERE key = 'msg:' || z.member))
      + (SELECT count(*) FROM herald_zsets z WHERE z.name = 'msgs' AND NOT EXISTS (SELECT 1 FROM keyv WHERE key = 'msg:' || substr(z.member, 1, instr(z.member, ':') - 1)))
      + (SELECT count(*) FROM herald_zsets z WHERE z.name = 'failed' AND NOT EXISTS (SELECT 1 FROM keyv WHERE key = 'dlv:' || z.member)) AS n`);
    const indexEntriesLeft = agedLeft();
    db.close();
    return {
      seedMs,
      newestPageMs: stats(newest),
      cursorPageMs: stats(cursorMs),
      pagesOverlap: overlap,
      sweepMs,
      healthzMaxDuringSweepMs: healthMax,
      agedListMs: stats(aged),
      deadIds,
      indexEntriesLeft,
    };
  } finally {
    await server.stop();
  }
}

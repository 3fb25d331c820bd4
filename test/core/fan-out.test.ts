/**
 * Large fan-outs are written in batches. On the real embedded store: the deliveries of a
 * 3,500-delivery publish are all committed and queued once fanOut resolves; a fan-out cut short
 * after two of its batches (what kill -9 leaves: the committed transactions) is completed by
 * resumeFanOuts on the reopened store, without touching a delivery already under way and without
 * creating any twice. And a real Herald killed with SIGKILL while it fans out 6,000 deliveries
 * delivers all of them after a restart.
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { afterEach, expect, it } from 'vitest';
import type { QueueJob } from '../../src/delivery/queue.js';
import { createLogger } from '../../src/log.js';
import { FAN_OUT_BATCH, type FanOutEntry, fanOut, resumeFanOuts } from '../../src/publish/fan-out.js';
import { deliveryId, type MessageRecord, MessageRepo } from '../../src/store/messages.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store, WriteOp } from '../../src/store/store.js';
import { SECRET_KEY } from '../../bench/lib/server.js';
import { seed } from '../../bench/lib/seed.js';
import { ADMIN, request, tempDir, waitFor } from '../helpers/herald.js';
import { startReceiver } from '../helpers/receiver.js';
import { freePort, spawnHerald } from '../helpers/spawn.js';

const N = 3 * FAN_OUT_BATCH + 500;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A queue that records what it is handed (the store is what makes deliveries durable). */
function recordingQueue() {
  const jobs: QueueJob[] = [];
  return {
    jobs,
    queue: {
      enqueue: async (js: QueueJob[]) => void jobs.push(...js),
      start: async () => {},
      stop: async () => {},
      depth: async () => jobs.length,
      ping: async () => {},
      wake: () => {},
    } as never,
  };
}

function message(id: string): MessageRecord {
  return { id, topic: 'big', level: 'info', mentions: {}, attributes: {}, bodies: { default: 'hello' }, format: 'text', source: 'json', deliveryCount: N, createdAt: new Date().toISOString() } as MessageRecord;
}

const entries = (): FanOutEntry[] => Array.from({ length: N }, (_, i) => [`s${i}`, i % 7 === 0 ? 'lark' : 'webhook', i % 10 === 9 ? 'muted' : 'pending']);

it('writes every delivery of a large fan-out and queues the pending ones', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const store = new SqliteStore(dir);
  const messages = new MessageRepo(store, 86_400_000);
  const { jobs, queue } = recordingQueue();
  try {
    await fanOut({ store, messages, queue }, message('mbig1'), entries());
    const all = await store.getMany<{ status: string; subscriptionId: string }>(Array.from({ length: N }, (_, i) => `dlv:${deliveryId('mbig1', i)}`));
    expect(all.every((d, i) => d?.subscriptionId === `s${i}`)).toBe(true);
    const pending = N - Math.floor(N / 10);
    expect(jobs).toHaveLength(pending);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(pending);
    expect(await store.scard('pending')).toBe(pending);
    expect(await store.smembers('fanouts')).toEqual([]);
    expect(await store.get('fanout:mbig1')).toBeUndefined();
  } finally {
    await store.close();
  }
});

it('completes a fan-out cut short after two batches, once, at the next start', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const first = new SqliteStore(dir);
  // the process "dies" at its fourth transaction (message + two batches got through)
  let commits = 0;
  const dying: Store = Object.assign(Object.create(first) as Store, {
    batch: (ops: WriteOp[]) => (++commits > 3 ? Promise.reject(new Error('killed')) : first.batch(ops)),
  });
  const before = recordingQueue();
  // the record is durable, so the publish stands; the process is stopping, so nothing retries here
  await fanOut({ store: dying, messages: new MessageRepo(dying, 86_400_000), queue: before.queue, stopped: () => true }, message('mbig2'), entries());
  expect(before.jobs.length).toBeGreaterThan(0);
  // one delivery of the first batch was already delivered before the crash
  const doneId = deliveryId('mbig2', 3);
  const messages1 = new MessageRepo(first, 86_400_000);
  const done = await messages1.getDelivery(doneId);
  await messages1.saveDelivery({ ...done!, status: 'delivered', attempts: 1, partsDone: 1 });
  await first.close();

  const store = new SqliteStore(dir);
  const messages = new MessageRepo(store, 86_400_000);
  const after = recordingQueue();
  try {
    expect(await store.smembers('fanouts')).toEqual(['mbig2']);
    const written = (await store.getMany(Array.from({ length: N }, (_, i) => `dlv:${deliveryId('mbig2', i)}`))).filter(Boolean).length;
    expect(written).toBe(2 * FAN_OUT_BATCH);
    await resumeFanOuts({ store, messages, queue: after.queue, log: createLogger({ level: 'error', format: 'json' }) });
    const all = await store.getMany<{ status: string; subscriptionId: string }>(Array.from({ length: N }, (_, i) => `dlv:${deliveryId('mbig2', i)}`));
    expect(all.every((d, i) => d?.subscriptionId === `s${i}`)).toBe(true);
    expect(all[3]?.status).toBe('delivered'); // untouched
    // only the missing ones were created and queued
    const resumed = after.jobs.map((j) => j.id);
    expect(resumed.length).toBe(N - 2 * FAN_OUT_BATCH - Math.floor((N - 2 * FAN_OUT_BATCH) / 10));
    expect(resumed.every((id) => Number(id.split('.')[1]) >= 2 * FAN_OUT_BATCH)).toBe(true);
    expect(await store.smembers('fanouts')).toEqual([]);
    // a second start finds nothing to do
    await resumeFanOuts({ store, messages, queue: after.queue, log: createLogger({ level: 'error', format: 'json' }) });
    expect(after.jobs.map((j) => j.id)).toEqual(resumed);
  } finally {
    await store.close();
  }
});

it('completes at start a fan-out record written in the first format (one tuple per delivery)', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const store = new SqliteStore(dir);
  const messages = new MessageRepo(store, 86_400_000);
  const { jobs, queue } = recordingQueue();
  try {
    const msg = message('mold1');
    await store.batch([
      ...messages.createOps(msg, []),
      { op: 'set', key: 'fanout:mold1', value: { messageId: 'mold1', topic: 'big', createdAt: msg.createdAt, entries: entries() } },
      { op: 'sadd', set: 'fanouts', member: 'mold1' },
    ]);
    expect(await resumeFanOuts({ store, messages, queue, log: createLogger({ level: 'error', format: 'json' }) })).toBe(N);
    const all = await store.getMany<{ subscriptionId: string; status: string }>(Array.from({ length: N }, (_, i) => `dlv:${deliveryId('mold1', i)}`));
    expect(all.every((d, i) => d?.subscriptionId === `s${i}` && d.status === (i % 10 === 9 ? 'muted' : 'pending'))).toBe(true);
    expect(jobs).toHaveLength(N - Math.floor(N / 10));
  } finally {
    await store.close();
  }
});

it('a store error in the middle of a fan-out: the running process writes the rest itself, each delivery once', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const real = new SqliteStore(dir);
  // the third batch's transaction fails twice (a locked or full disk), then the store recovers
  let commits = 0;
  let failures = 0;
  const writes = new Map<string, number>();
  const flaky: Store = Object.assign(Object.create(real) as Store, {
    batch: (ops: WriteOp[]) => {
      commits += 1;
      if (commits >= 4 && failures < 2) {
        failures += 1;
        return Promise.reject(new Error('SQLITE_BUSY: database is locked'));
      }
      for (const op of ops) if (op.op === 'set' && op.key.startsWith('dlv:')) writes.set(op.key, (writes.get(op.key) ?? 0) + 1);
      return real.batch(ops);
    },
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)).message);
      done();
    },
  });
  const log = createLogger({ level: 'info', format: 'json' }, [new winston.transports.Stream({ stream: sink })]);
  const { jobs, queue } = recordingQueue();
  try {
    await fanOut({ store: flaky, messages: new MessageRepo(flaky, 86_400_000), queue, log, retryMs: 20 }, message('mbig3'), entries());
    await waitFor('the fan-out completed', async () => (await real.smembers('fanouts')).length === 0, 10_000);
    expect(failures).toBe(2);
    const all = await real.getMany<{ subscriptionId: string }>(Array.from({ length: N }, (_, i) => `dlv:${deliveryId('mbig3', i)}`));
    expect(all.every((d, i) => d?.subscriptionId === `s${i}`)).toBe(true);
    expect(writes.size).toBe(N);
    expect([...writes.values()].every((n) => n === 1)).toBe(true); // none created twice
    const pending = N - Math.floor(N / 10);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(pending);
    expect(jobs).toHaveLength(pending);
    expect(await real.get('fanout:mbig3')).toBeUndefined();
    expect(lines).toContain('a store error cut a fan-out short; writing the rest in the background');
    expect(lines).toContain('a fan-out could not be completed yet; retrying');
    expect(lines).toContain('completed a fan-out after a store error');
  } finally {
    await real.close();
  }
});

it('kill -9 in the middle of a 6,000-delivery publish: after the restart every delivery arrives', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const rx = await startReceiver();
  const subscribers = 6 * FAN_OUT_BATCH;
  await seed(dir, [{ name: 'big', endpoints: Array.from({ length: subscribers }, (_, i) => `${rx.url}/s${i}`) }]);
  const port = await freePort();
  const env = { HERALD_DATA_DIR: dir, HERALD_ADMIN_TOKEN: ADMIN, HERALD_SECRET_KEY: SECRET_KEY, HERALD_ALLOW_HOSTS: '127.0.0.1', HERALD_LOG_LEVEL: 'warn' };
  const first = await spawnHerald(env, port);
  try {
    const answer = request(first.url, 'POST', '/v1/topics/big/publish', { message: 'to all' }).catch(() => undefined);
    // the first deliveries go out while later batches are still being written: kill it then
    await waitFor('the first delivery', () => rx.hits.length > 0, 30_000);
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const answered = await answer;
    const messageId = (rx.hits[0]!.json as { messageId: string }).messageId;
    expect(new Set(rx.hits.map((x) => x.json.deliveryId)).size).toBeLessThan(subscribers);

    const second = await spawnHerald(env, port);
    try {
      await waitFor('all deliveries', () => new Set(rx.hits.map((x) => x.json.deliveryId)).size === subscribers, 90_000);
      const ids = new Set(rx.hits.map((x) => x.json.deliveryId));
      for (let i = 0; i < subscribers; i++) expect(ids.has(deliveryId(messageId, i))).toBe(true);
      // the answer may or may not have left before the kill; either way nothing is missing
      if (answered) expect([202, undefined]).toContain(answered.status);
    } finally {
      second.proc.kill('SIGTERM');
      await second.exited;
    }
  } finally {
    if (first.proc.exitCode === null) first.proc.kill('SIGKILL');
    await rx.close();
  }
}, 180_000);

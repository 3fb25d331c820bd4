/**
 * The sorted indexes on both engines: order, ties, cursors and bounds; the sweep's batches; and
 * the move of 0.1's plain sets into them.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { AuditRepo } from '../../src/store/audit.js';
import { newId } from '../../src/store/ids.js';
import { MessageRepo } from '../../src/store/messages.js';
import { migrateIndexes } from '../../src/store/migrate-indexes.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store, ZEntry } from '../../src/store/store.js';
import { RecordSweeper } from '../../src/store/sweep.js';
import { tempDir } from '../helpers/herald.js';
import { dropPrefix, randomPrefix, REDIS_URL, redisMissing } from '../redis/support.js';

const DAY = 86_400_000;
const log = createLogger({ level: 'error', format: 'json' });
const message = (id: string, topic: string, deliveryCount = 0) => ({
  id,
  topic,
  level: 'info' as const,
  mentions: {},
  attributes: {},
  bodies: { default: id },
  format: 'text' as const,
  source: 'api',
  deliveryCount,
  createdAt: new Date().toISOString(),
});

const engines: { name: string; open: () => Promise<{ store: Store; done: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = tempDir();
      const store = new SqliteStore(dir);
      const done = async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      };
      return { store, done };
    },
  },
  {
    name: 'redis',
    open: async () => {
      const prefix = randomPrefix();
      const store = new RedisStore(REDIS_URL, prefix);
      const done = async () => {
        await store.close();
        await dropPrefix(prefix);
      };
      return { store, done };
    },
  },
];

const noRedis = await redisMissing();

for (const engine of engines) {
  describe.skipIf(engine.name === 'redis' && !!noRedis)(`sorted indexes (${engine.name})`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ store, done } = await engine.open());
    });
    afterAll(async () => done?.());

    it('orders by score then member, pages by cursor without overlap, honours bounds and asc', async () => {
      const ops = [];
      // five entries share score 100: ties are ordered by member
      for (const m of ['e', 'a', 'c', 'b', 'd']) ops.push({ op: 'zadd' as const, set: 'ix', score: 100, member: m });
      ops.push({ op: 'zadd' as const, set: 'ix', score: 50, member: 'z' }, { op: 'zadd' as const, set: 'ix', score: 200, member: 'y' });
      await store.batch(ops);
      expect(await store.zcard('ix')).toBe(7);
      const all = await store.zrange('ix', { limit: 10 });
      expect(all.map((e) => e.member)).toEqual(['y', 'e', 'd', 'c', 'b', 'a', 'z']);
      expect(all[0]).toEqual({ member: 'y', score: 200 });
      const pages: string[][] = [];
      let after: ZEntry | undefined;
      for (;;) {
        const page = await store.zrange('ix', { limit: 2, after });
        if (page.length === 0) break;
        pages.push(page.map((e) => e.member));
        after = page.at(-1);
      }
      expect(pages).toEqual([['y', 'e'], ['d', 'c'], ['b', 'a'], ['z']]);
      expect((await store.zrange('ix', { limit: 10, min: 60, max: 150 })).map((e) => e.member)).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect((await store.zrange('ix', { limit: 3, order: 'asc' })).map((e) => e.member)).toEqual(['z', 'a', 'b']);
      expect((await store.zrange('ix', { limit: 3, order: 'asc', after: { score: 100, member: 'b' } })).map((e) => e.member)).toEqual([
        'c',
        'd',
        'e',
      ]);
      // a zadd of a member moves it; a zrem removes it; a set of the same name is another thing
      await store.batch([
        { op: 'zadd', set: 'ix', score: 300, member: 'z' },
        { op: 'zrem', set: 'ix', member: 'y' },
        { op: 'sadd', set: 'ix', member: 'other' },
      ]);
      expect((await store.zrange('ix', { limit: 2 })).map((e) => e.member)).toEqual(['z', 'e']);
      expect(await store.zcard('ix')).toBe(6);
      expect(await store.smembers('ix')).toEqual(['other']);
    });

    it('the sweep removes expired messages, failed entries and old audit entries in batches, and a deleted topic’s records', async () => {
      const messages = new MessageRepo(store, 7 * DAY);
      const audit = new AuditRepo(store);
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) {
        const id = newId('m');
        ids.push(id);
        await store.batch(messages.createOps(message(id, 'keep', 1), [
          { id: `${id}.00000`, messageId: id, topic: 'keep', subscriptionId: 's1', protocol: 'webhook', status: 'pending', attempts: 0, partsDone: 0, updatedAt: '' },
        ]));
      }
      await messages.saveDelivery({ id: `${ids[0]}.00000`, messageId: ids[0]!, topic: 'keep', subscriptionId: 's1', protocol: 'webhook', status: 'failed', attempts: 1, partsDone: 0, updatedAt: '' });
      await audit.record('admin', 'topic.create', 'keep');
      const gone = newId('m');
      await store.batch(messages.createOps(message(gone, 'gone', 2), [0, 1].map((i) => ({
        id: `${gone}.0000${i}`, messageId: gone, topic: 'gone', subscriptionId: 's2', protocol: 'webhook', status: 'pending' as const, attempts: 0, partsDone: 0, updatedAt: '',
      }))));
      // the topic `gone` is deleted now
      await store.batch([{ op: 'zadd', set: 'topics-deleted', score: Date.now() + 1, member: 'gone' }]);

      const sweeper = new RecordSweeper(store, { retentionMs: 7 * DAY, auditRetentionMs: 180 * DAY, log, batch: 10 });
      const now = await sweeper.sweep();
      expect(now.deletedTopicMessages).toBe(1);
      expect(now.messages).toBe(0);
      expect(await store.getMany([`msg:${gone}`, `dlv:${gone}.00000`, `dlv:${gone}.00001`])).toEqual([undefined, undefined, undefined]);
      expect(await store.zcard('topic-msgs:gone')).toBe(0);
      expect(await store.zcard('topics-deleted')).toBe(0);
      expect(await store.zcard('msgs')).toBe(25);
      expect((await store.smembers('pending')).some((d) => d.startsWith(gone))).toBe(false);

      const later = await sweeper.sweep(Date.now() + 8 * DAY);
      expect(later).toMatchObject({ messages: 25, failed: 1, audit: 0 });
      expect(await store.zcard('topic-msgs:keep')).toBe(0);
      expect(await store.zcard('msgs')).toBe(0);
      expect(await store.zcard('failed')).toBe(0);
      expect(await store.get(`msg:${ids[3]}`)).toBeUndefined();
      expect(await store.zcard('audit')).toBe(1);
      expect((await sweeper.sweep(Date.now() + 181 * DAY)).audit).toBe(1);
      expect(await store.zcard('audit')).toBe(0);
    });

    it('moves the plain sets of before into the sorted indexes, once', async () => {
      const a = newId('m');
      const b = newId('m');
      const entry = newId('a');
      await store.batch([
        { op: 'sadd', set: 'topics', member: 'old' },
        { op: 'sadd', set: 'topic-msgs:old', member: a },
        { op: 'sadd', set: 'topic-msgs:old', member: b },
        { op: 'sadd', set: 'failed', member: `${a}.00000` },
        { op: 'sadd', set: 'audit', member: entry },
      ]);
      expect(await migrateIndexes(store)).toBe(4);
      expect((await store.zrange('topic-msgs:old', { limit: 5 })).map((e) => e.member)).toEqual([b, a]);
      expect((await store.zrange('msgs', { limit: 5 })).map((e) => e.member)).toEqual([`${b}:old`, `${a}:old`]);
      expect((await store.zrange('failed', { limit: 5 })).map((e) => e.member)).toEqual([`${a}.00000`]);
      expect((await store.zrange('audit', { limit: 5 })).map((e) => e.member)).toEqual([entry]);
      expect(await store.scard('topic-msgs:old')).toBe(0);
      await store.sadd('audit', 'astray');
      expect(await migrateIndexes(store)).toBe(0);
    });
  });
}

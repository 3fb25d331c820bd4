/**
 * Data dirs and Redis keyspaces from before the time-ordered indexes kept `topic-msgs:<topic>`,
 * `failed` and `audit` as plain sets. At start their members move into the sorted indexes
 * (scored by the time in each id) in batches, once: `indexes-version` records that it was done.
 * Running it twice, or from two instances at once, changes nothing more.
 */
import { idTime } from './ids.js';
import { AUDIT_INDEX, FAILED_INDEX, MESSAGES_INDEX, topicIndex } from './indexes.js';
import type { Store, WriteOp } from './store.js';

const VERSION_KEY = 'indexes-version';
const VERSION = 2;
const CHUNK = 1_000;

export async function migrateIndexes(store: Store): Promise<number> {
  if (((await store.get<number>(VERSION_KEY)) ?? 0) >= VERSION) return 0;
  let moved = 0;
  const move = async (set: string, toOps: (member: string) => WriteOp[]) => {
    const members = await store.smembers(set);
    for (let i = 0; i < members.length; i += CHUNK) {
      const ops: WriteOp[] = [];
      for (const m of members.slice(i, i + CHUNK)) ops.push(...toOps(m), { op: 'srem', set, member: m });
      await store.batch(ops);
    }
    moved += members.length;
  };
  for (const topic of await store.smembers('topics')) {
    await move(topicIndex(topic), (id) => [
      { op: 'zadd', set: topicIndex(topic), score: idTime(id), member: id },
      { op: 'zadd', set: MESSAGES_INDEX, score: idTime(id), member: `${id}:${topic}` },
    ]);
  }
  await move(FAILED_INDEX, (id) => [{ op: 'zadd', set: FAILED_INDEX, score: idTime(id), member: id }]);
  await move(AUDIT_INDEX, (id) => [{ op: 'zadd', set: AUDIT_INDEX, score: idTime(id), member: id }]);
  await store.set(VERSION_KEY, VERSION);
  return moved;
}

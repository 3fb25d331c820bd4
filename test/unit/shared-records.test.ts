/** What the delivery path keeps in memory: shared messages, the read cache's admission and cold writes. */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedMessages } from '../../src/delivery/shared-messages.js';
import { tuneHeapGrowth } from '../../src/heap-growth.js';
import type { MessageRecord } from '../../src/store/messages.js';
import { RecentValues } from '../../src/store/recent-values.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers/herald.js';

const msg = (id: string) => ({ id, bodies: { default: id } }) as unknown as MessageRecord;

describe('SharedMessages', () => {
  it('reads a message once for all the deliveries that ask for it meanwhile, and again once it is stale', async () => {
    let now = 0;
    const loads: string[] = [];
    const shared = new SharedMessages(async (id) => {
      loads.push(id);
      return msg(id);
    }, 4, 1_000, () => now);
    const got = await Promise.all(Array.from({ length: 50 }, () => shared.get('m1')));
    expect(loads).toEqual(['m1']);
    expect(new Set(got).size).toBe(1); // one object, shared
    now = 999;
    await shared.get('m1');
    expect(loads).toHaveLength(1);
    now = 1_000;
    await shared.get('m1');
    expect(loads).toHaveLength(2);
  });

  it('keeps neither a missing message nor a failed read, and holds at most its bound', async () => {
    let fail = true;
    const shared = new SharedMessages(async (id) => {
      if (id === 'gone') return undefined;
      if (fail) throw new Error('store down');
      return msg(id);
    }, 3);
    await expect(shared.get('m1')).rejects.toThrow('store down');
    await shared.get('gone');
    await Promise.resolve();
    expect(shared.size).toBe(0);
    fail = false;
    for (const id of ['a', 'b', 'c', 'd', 'e']) await shared.get(id);
    expect(shared.size).toBe(3);
  });
});

describe('RecentValues', () => {
  it('keeps a row read from the file only when its key was read lately before', () => {
    const recent = new RecentValues(1_000_000);
    recent.admit('sub:a', 'row-a');
    expect(recent.get('sub:a')).toBeUndefined();
    recent.admit('sub:a', 'row-a');
    expect(recent.get('sub:a')).toBe('row-a');
  });
});

describe('SqliteStore read cache', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('answers a cold write with its new value, not the older copy it kept', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = new SqliteStore(dir);
    try {
      await store.set('dlv:x', { status: 'pending' });
      expect(await store.get('dlv:x')).toEqual({ status: 'pending' });
      await store.batch([{ op: 'set', key: 'dlv:x', value: { status: 'delivered' }, cold: true }]);
      expect(await store.get('dlv:x')).toEqual({ status: 'delivered' });
      expect(await store.getMany(['dlv:x', 'dlv:y'])).toEqual([{ status: 'delivered' }, undefined]);
    } finally {
      await store.close();
    }
  });
});

describe('tuneHeapGrowth', () => {
  it('leaves the heap alone when the operator gave a heap flag', () => {
    expect(tuneHeapGrowth(['--max-old-space-size=512'], '')).toBe(false);
    expect(tuneHeapGrowth([], '--heap-growing-percent=50')).toBe(false);
    expect(tuneHeapGrowth([], '--enable-source-maps')).toBe(true);
  });
});

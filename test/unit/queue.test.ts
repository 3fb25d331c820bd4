/** The embedded queue: due jobs in the order they came, a woken job ahead of the line, none twice. */
import { expect, it } from 'vitest';
import { EmbeddedQueue } from '../../src/delivery/queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

it('runs the jobs due in the order they came, never more at once than its slots, each once', async () => {
  const q = new EmbeddedQueue(2, () => {});
  const ran: string[] = [];
  let running = 0;
  let most = 0;
  await q.start(async (id) => {
    ran.push(id);
    most = Math.max(most, ++running);
    await tick();
    running--;
    return { done: true };
  }, async () => []);
  const now = Date.now();
  const ids = Array.from({ length: 20 }, (_, i) => `d${String(i).padStart(2, '0')}`);
  await q.enqueue(ids.map((id) => ({ id, runAt: now })));
  await q.enqueue(ids.slice(5).map((id) => ({ id, runAt: now }))); // queued twice: still once
  while ((await q.depth()) > 0) await tick();
  expect(ran).toEqual(ids);
  expect(most).toBe(2);
  await q.stop();
});

it('a woken job and a retry that came due go before the line of new jobs', async () => {
  const q = new EmbeddedQueue(1, () => {});
  const ran: string[] = [];
  let first = true;
  await q.start(async (id) => {
    ran.push(id);
    await tick();
    if (id === 'retry' && first) {
      first = false;
      return { retryAt: Date.now() + 20 };
    }
    return { done: true };
  }, async () => []);
  await q.enqueue([{ id: 'retry', runAt: Date.now() }]);
  await q.enqueue([{ id: 'waiting', runAt: Date.now() + 60_000 }]);
  await q.enqueue(Array.from({ length: 30 }, (_, i) => ({ id: `new${String(i).padStart(2, '0')}`, runAt: Date.now() })));
  await tick();
  await q.wake('waiting');
  while ((await q.depth()) > 0) await tick();
  const at = (id: string) => ran.indexOf(id);
  expect(at('waiting')).toBeLessThan(at('new05'));
  expect(ran.lastIndexOf('retry')).toBeGreaterThan(0);
  expect(ran.lastIndexOf('retry')).toBeLessThan(at('new29'));
  expect(ran.filter((id) => id.startsWith('new'))).toHaveLength(30);
  await q.stop();
});

it('holds a fan-out as runs of ids and still runs each once, in order, a woken one first', async () => {
  const q = new EmbeddedQueue(1, () => {});
  const ran: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await q.start(async (id) => {
    ran.push(id);
    if (ran.length === 1) await held; // the first holds the only slot while the rest is queued
    return { done: true };
  }, async () => []);
  const now = Date.now();
  const id = (m: string, i: number) => `${m}.${String(i).padStart(5, '0')}`;
  // two batches of one message (consecutive), a gap, another message, an id of another shape
  const a = Array.from({ length: 15_000 }, (_, i) => id('mA', i)).filter((_, i) => i !== 7);
  await q.enqueue(a.slice(0, 1_000).map((x) => ({ id: x, runAt: now })));
  await q.enqueue(a.slice(1_000).map((x) => ({ id: x, runAt: now })));
  await q.enqueue([{ id: 'plain', runAt: now }, { id: id('mB', 0), runAt: now }, { id: id('mB', 1), runAt: now }]);
  expect(await q.depth()).toBe(a.length + 3);
  await q.enqueue([{ id: id('mA', 5), runAt: now }, { id: id('mA', 14_999), runAt: now }]); // queued already: not twice
  expect(await q.depth()).toBe(a.length + 3);
  await q.wake(id('mA', 12_000)); // its turn came: ahead of the line
  await q.wake(id('mB', 1));
  release();
  while ((await q.depth()) > 0) await tick();
  expect(new Set(ran).size).toBe(ran.length);
  expect(ran.slice(0, 4)).toEqual([id('mA', 0), id('mA', 12_000), id('mB', 1), id('mA', 1)]);
  expect(ran.filter((x) => x.startsWith('mA.'))).toEqual([id('mA', 0), id('mA', 12_000), ...a.slice(1).filter((x) => x !== id('mA', 12_000))]);
  expect(ran.slice(-2)).toEqual(['plain', id('mB', 0)]);
  expect(ran).toHaveLength(a.length + 3);
  await q.stop();
});

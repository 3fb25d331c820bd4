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

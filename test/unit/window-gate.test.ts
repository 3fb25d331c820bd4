/** The sliding-window gate: every window holds, bursts go out as fast as the windows allow, order is kept. */
import { describe, expect, it } from 'vitest';
import { MemoryWindowGate, RECHECK_MS, WAITER_GRACE_MS, waitFor } from '../../src/delivery/window-gate.js';

describe('waitFor', () => {
  it('is 0 while a window has room, and counts to the moment the oldest slot leaves', () => {
    const w = [{ max: 3, perMs: 1000 }];
    expect(waitFor([0, 100], w, 200)).toBe(0);
    expect(waitFor([0, 100, 150], w, 200)).toBe(801);
    expect(waitFor([0, 100, 150], w, 1001)).toBe(0);
  });
  it('takes the longest wait over several windows', () => {
    const w = [
      { max: 5, perMs: 1000 },
      { max: 6, perMs: 60_000 },
    ];
    const times = [0, 10, 20, 30, 40, 1500];
    expect(waitFor(times, w, 1600)).toBe(60_001 - 1600);
  });
});

const one = (gate: MemoryWindowGate, lane: string, windows: { max: number; perMs: number }[], ticket: string) =>
  gate.acquire(lane, [lane], windows, ticket, ticket);

describe('MemoryWindowGate', () => {
  it('lets 20 through at once, then holds the 21st until the window slides, on a simulated clock', async () => {
    let now = 1_000_000;
    const gate = new MemoryWindowGate(() => now);
    const windows = [{ max: 20, perMs: 60_000 }];
    const sent: number[] = [];
    let ticket = 0;
    const pending = Array.from({ length: 45 }, () => `t${String(ticket++).padStart(3, '0')}`);
    while (pending.length) {
      const t = pending[0]!;
      const got = await one(gate, 'robot', windows, t);
      if (got.ok) {
        sent.push(now);
        await gate.settle('robot', 'robot', got.slot, true);
        pending.shift();
      } else now += got.waitMs;
    }
    for (let i = 20; i < sent.length; i++) expect(sent[i]! - sent[i - 20]!).toBeGreaterThanOrEqual(60_000);
    // the ideal schedule: 20 now, 20 a window later, 5 after that
    expect(sent.filter((t) => t === sent[0])).toHaveLength(20);
    expect(sent[44]! - sent[0]!).toBeLessThanOrEqual(120_002);
  });

  it('makes a younger ticket wait while an older one waits for the same robot', async () => {
    let now = 0;
    const gate = new MemoryWindowGate(() => now);
    const windows = [{ max: 1, perMs: 1000 }];
    const a = await one(gate, 'r', windows, 'a');
    expect(a.ok).toBe(true);
    await gate.settle('r', 'r', (a as { slot: string }).slot, true);
    expect((await one(gate, 'r', windows, 'b')).ok).toBe(false); // b waits for the window
    now = 1001;
    expect((await one(gate, 'r', windows, 'c')).ok).toBe(false); // c is younger than waiting b
    expect(await gate.waiters('r')).toEqual([
      { ticket: 'b', job: 'b' },
      { ticket: 'c', job: 'c' },
    ]);
    const b = await one(gate, 'r', windows, 'b');
    expect(b).toMatchObject({ ok: true, waitedForWindow: true });
    await gate.settle('r', 'r', (b as { slot: string }).slot, true);
    now = 2002;
    expect(await one(gate, 'r', windows, 'c')).toMatchObject({ ok: true, waitedForWindow: false });
    expect((await one(gate, 'other', windows, 'z')).ok).toBe(true); // robots are independent
  });

  it('keeps one send in flight per lane, and the wait for it short', async () => {
    let now = 0;
    const gate = new MemoryWindowGate(() => now, 15_000);
    const a = await one(gate, 'r', [], 'a');
    expect(a.ok).toBe(true);
    const b = await one(gate, 'r', [], 'b');
    expect(b).toEqual({ ok: false, waitMs: RECHECK_MS }); // woken sooner by whoever settles
    expect((await one(gate, 's', [], 'x')).ok).toBe(true); // another robot's lane is free
    await gate.settle('r', 'r', (a as { slot: string }).slot, true);
    expect((await one(gate, 'r', [], 'b')).ok).toBe(true);
    // a sender that never settles (its instance died) frees the lane when its lease lapses
    now = 15_001;
    expect((await one(gate, 'r', [], 'c')).ok).toBe(true);
  });

  it('takes the slot from the first robot of a pool with room; each robot keeps its own window', async () => {
    let now = 0;
    const gate = new MemoryWindowGate(() => now);
    const windows = [{ max: 2, perMs: 1000 }];
    const used: number[] = [];
    for (let i = 0; i < 6; i++) {
      const got = await gate.acquire('p1', ['p1', 'p2', 'p3'], windows, `t${i}`, `t${i}`);
      if (!got.ok) throw new Error('pool full too soon');
      used.push(got.robot);
      await gate.settle('p1', ['p1', 'p2', 'p3'][got.robot]!, got.slot, true);
    }
    expect(used).toEqual([0, 0, 1, 1, 2, 2]);
    const full = await gate.acquire('p1', ['p1', 'p2', 'p3'], windows, 't6', 't6');
    expect(full).toEqual({ ok: false, waitMs: 1001 });
    now = 1001;
    expect(await gate.acquire('p1', ['p1', 'p2', 'p3'], windows, 't6', 't6')).toMatchObject({ ok: true, robot: 0, waitedForWindow: true });
  });

  it('keeps a retrying ticket in line, and forgets tickets that left or lapsed', async () => {
    let now = 0;
    const gate = new MemoryWindowGate(() => now);
    await gate.hold('r', { ticket: 'a', job: 'a' }, 2000);
    expect((await one(gate, 'r', [], 'b')).ok).toBe(false); // behind a's retry
    expect((await one(gate, 'r', [], 'a')).ok).toBe(true);
    await gate.leave('r', [{ ticket: 'b', job: 'b' }]);
    expect(await gate.waiters('r')).toEqual([]);
    await gate.hold('r', { ticket: 'q', job: 'q' }, 1000);
    now = 1000 + WAITER_GRACE_MS + 1;
    expect(await gate.waiters('r')).toEqual([]);
  });

  it('drops a slot that was never used', async () => {
    const gate = new MemoryWindowGate(() => 0);
    const windows = [{ max: 1, perMs: 1000 }];
    const a = await one(gate, 'r', windows, 'a');
    await gate.settle('r', 'r', (a as { slot: string }).slot, false);
    expect((await one(gate, 'r', windows, 'b')).ok).toBe(true);
  });

  it('holds a robot the platform has blocked', async () => {
    let now = 0;
    const gate = new MemoryWindowGate(() => now);
    await gate.block('r', 600_000);
    const got = await one(gate, 'r', [], 'a');
    expect(got).toEqual({ ok: false, waitMs: 600_000 });
    now = 600_000;
    expect((await one(gate, 'r', [], 'a')).ok).toBe(true);
  });
});

describe('MemoryWindowGate memory', () => {
  it('keeps nothing for a robot without windows once its send is done (100,000 webhooks leave no state)', async () => {
    const gate = new MemoryWindowGate(() => 1_000);
    for (let i = 0; i < 100; i++) {
      const got = await one(gate, `hook${i}`, [], `t${i}`);
      if (!got.ok) throw new Error('a robot without windows waited');
      expect(gate.robotCount).toBe(1);
      await gate.settle(`hook${i}`, `hook${i}`, got.slot, true);
    }
    expect(gate.robotCount).toBe(0);
  });

  it('forgets a windowed robot once its window has passed, and keeps a blocked one until its block ends', async () => {
    let now = 1_000_000;
    const gate = new MemoryWindowGate(() => now);
    const windows = [{ max: 20, perMs: 60_000 }];
    const pass = async (lane: string, w: { max: number; perMs: number }[], ticket: string) => {
      const got = await one(gate, lane, w, ticket);
      if (!got.ok) throw new Error('no slot');
      await gate.settle(lane, lane, got.slot, true);
    };
    await pass('robot', windows, 't0');
    await gate.block('blocked', 120_000);
    expect(gate.robotCount).toBe(2);
    now += 30_000;
    await pass('hook', [], 't1'); // any acquire prunes, at most every ROBOT_PRUNE_MS
    expect(gate.robotCount).toBe(2); // its slot is still in the window
    now += 31_000;
    await pass('hook', [], 't2');
    expect(gate.robotCount).toBe(1); // only the blocked robot
    now += 60_000;
    await pass('hook', [], 't3');
    expect(gate.robotCount).toBe(0);
  });
});

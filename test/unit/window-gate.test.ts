/** The sliding-window gate: every window holds, bursts go out as fast as the windows allow, order is kept. */
import { describe, expect, it } from 'vitest';
import { MemoryWindowGate, waitFor } from '../../src/delivery/window-gate.js';

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
      const got = await gate.acquire('robot', windows, t);
      if (got.ok) {
        sent.push(now);
        await gate.settle('robot', got.slot);
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
    expect((await gate.acquire('r', windows, 'a')).ok).toBe(true);
    expect((await gate.acquire('r', windows, 'b')).ok).toBe(false); // b waits for the window
    now = 1001;
    expect((await gate.acquire('r', windows, 'c')).ok).toBe(false); // c is younger than waiting b
    expect((await gate.acquire('r', windows, 'b')).ok).toBe(true);
    now = 2002;
    expect((await gate.acquire('r', windows, 'c')).ok).toBe(true);
    expect((await gate.acquire('other', windows, 'z')).ok).toBe(true); // robots are independent
  });

  it('holds a robot the platform has blocked', async () => {
    let now = 0;
    const gate = new MemoryWindowGate(() => now);
    await gate.block('r', 600_000);
    const got = await gate.acquire('r', [], 'a');
    expect(got).toEqual({ ok: false, waitMs: 600_000 });
    now = 600_000;
    expect((await gate.acquire('r', [], 'a')).ok).toBe(true);
  });
});

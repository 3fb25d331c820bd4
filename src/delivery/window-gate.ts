/**
 * Sliding-window gate: "at most max sends in EVERY window of perMs" per robot. Bottleneck's
 * reservoir refreshes on a fixed interval, which lets 2×max through around a refresh — enough for
 * DingTalk to silence a robot for 10 minutes — so the window itself is kept here, as a log of slots.
 *
 * A slot is reserved when a send starts and re-stamped when its answer arrives: the platform saw the
 * request at or before that moment, so spacing the next sends from it keeps every window exact on
 * the platform's clock too.
 */
import type { RateWindow } from '../../adapters/types.js';

export type Acquired = { ok: true; slot: string } | { ok: false; waitMs: number };

export interface WindowGate {
  /** Reserves a slot now when every window allows it; otherwise says how long to wait. */
  acquire(key: string, windows: readonly RateWindow[]): Promise<Acquired>;
  /** The send finished: count its slot from now. */
  settle(key: string, slot: string): Promise<void>;
  /** The platform said "too fast": hold the robot for ms. */
  block(key: string, ms: number): Promise<void>;
  close?(): Promise<void>;
}

interface Robot {
  slots: { id: number; t: number }[];
  blockedUntil: number;
}

/** Computes how long until one more send fits in every window; 0 when it fits now. */
export function waitFor(times: readonly number[], windows: readonly RateWindow[], now: number): number {
  let wait = 0;
  for (const w of windows) {
    const inWindow = times.filter((t) => t > now - w.perMs).sort((a, b) => a - b);
    if (inWindow.length >= w.max) {
      // the oldest slot that must leave the window before one more fits
      const leaving = inWindow[inWindow.length - w.max]!;
      wait = Math.max(wait, leaving + w.perMs - now + 1);
    }
  }
  return wait;
}

export class MemoryWindowGate implements WindowGate {
  private readonly robots = new Map<string, Robot>();
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, windows: readonly RateWindow[]): Promise<Acquired> {
    const now = this.now();
    const robot = this.robots.get(key) ?? { slots: [], blockedUntil: 0 };
    this.robots.set(key, robot);
    if (robot.blockedUntil > now) return { ok: false, waitMs: robot.blockedUntil - now };
    const longest = Math.max(0, ...windows.map((w) => w.perMs));
    robot.slots = robot.slots.filter((s) => s.t > now - longest || s.t > now);
    const wait = waitFor(
      robot.slots.map((s) => s.t),
      windows,
      now,
    );
    if (wait > 0) return { ok: false, waitMs: wait };
    const id = ++this.seq;
    robot.slots.push({ id, t: now });
    return { ok: true, slot: String(id) };
  }

  async settle(key: string, slot: string): Promise<void> {
    const s = this.robots.get(key)?.slots.find((x) => String(x.id) === slot);
    if (s) s.t = Math.max(s.t, this.now());
  }

  async block(key: string, ms: number): Promise<void> {
    const robot = this.robots.get(key) ?? { slots: [], blockedUntil: 0 };
    robot.blockedUntil = Math.max(robot.blockedUntil, this.now() + ms);
    this.robots.set(key, robot);
  }
}

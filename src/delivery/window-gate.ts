/**
 * Sliding-window gate: "at most max sends in EVERY window of perMs" per robot. Bottleneck's
 * reservoir refreshes on a fixed interval, which lets 2×max through around a refresh — enough for
 * DingTalk to silence a robot for 10 minutes — so the window itself is kept here, as a log of slots.
 *
 * A slot is reserved when a send starts and re-stamped when its answer arrives: the platform saw the
 * request at or before that moment, so spacing the next sends from it keeps every window exact on
 * the platform's clock too.
 *
 * Order: each caller brings a ticket (its delivery id, which sorts by publish time). While an older
 * ticket is waiting for the same robot, a younger one waits too, so a throttled robot still gets its
 * messages in the order they were published (a RESOLVED never overtakes its FIRING).
 */
import type { RateWindow } from '../../adapters/types.js';

export type Acquired = { ok: true; slot: string } | { ok: false; waitMs: number };

export interface WindowGate {
  /** Reserves a slot now when every window allows it and no older ticket waits; else how long to wait. */
  acquire(key: string, windows: readonly RateWindow[], ticket: string): Promise<Acquired>;
  /** The send finished: count its slot from now. */
  settle(key: string, slot: string): Promise<void>;
  /** The platform said "too fast": hold the robot for ms. */
  block(key: string, ms: number): Promise<void>;
  close?(): Promise<void>;
}

interface Robot {
  slots: { id: number; t: number }[];
  blockedUntil: number;
  /** tickets told to wait, with the time their claim lapses (a waiter that never returns) */
  waiting: Map<string, number>;
}

/** A waiting ticket keeps its place this long past its wake-up time. */
export const WAITER_GRACE_MS = 5_000;
/** A younger ticket behind an older waiter looks again after this long. */
export const QUEUED_BEHIND_MS = 25;

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

  private robot(key: string): Robot {
    let robot = this.robots.get(key);
    if (!robot) {
      robot = { slots: [], blockedUntil: 0, waiting: new Map() };
      this.robots.set(key, robot);
    }
    return robot;
  }

  async acquire(key: string, windows: readonly RateWindow[], ticket: string): Promise<Acquired> {
    const now = this.now();
    const robot = this.robot(key);
    for (const [t, lapse] of robot.waiting) if (lapse < now) robot.waiting.delete(t);
    const longest = Math.max(0, ...windows.map((w) => w.perMs));
    robot.slots = robot.slots.filter((s) => s.t > now - longest);
    let wait = Math.max(
      robot.blockedUntil - now,
      waitFor(
        robot.slots.map((s) => s.t),
        windows,
        now,
      ),
    );
    const olderWaits = [...robot.waiting.keys()].some((t) => t < ticket);
    if (olderWaits) wait = Math.max(wait, QUEUED_BEHIND_MS);
    if (wait > 0) {
      robot.waiting.set(ticket, now + wait + WAITER_GRACE_MS);
      return { ok: false, waitMs: wait };
    }
    robot.waiting.delete(ticket);
    const id = ++this.seq;
    robot.slots.push({ id, t: now });
    return { ok: true, slot: String(id) };
  }

  async settle(key: string, slot: string): Promise<void> {
    const s = this.robots.get(key)?.slots.find((x) => String(x.id) === slot);
    if (s) s.t = Math.max(s.t, this.now());
  }

  async block(key: string, ms: number): Promise<void> {
    const robot = this.robot(key);
    robot.blockedUntil = Math.max(robot.blockedUntil, this.now() + ms);
  }
}

/**
 * The robot gate: a lane per robot (one send in flight, in publish order) and a sliding window per
 * robot ("at most max sends in EVERY window of perMs"). Bottleneck's reservoir refreshes on a fixed
 * interval, which lets 2×max through around a refresh — enough for DingTalk to silence a robot for
 * 10 minutes — so the window itself is kept here, as a log of slots.
 *
 * Nothing here blocks: `acquire` either reserves the lane and a slot now or says how long to wait,
 * and the caller gives its worker slot back meanwhile. Whoever finishes with a lane wakes the first
 * waiter in line (`waiters`), so a throttled or hanging robot costs one worker slot at most, and
 * only while a request is actually on the wire.
 *
 * A slot is reserved when a send starts and re-stamped when its answer arrives: the platform saw the
 * request at or before that moment, so spacing the next sends from it keeps every window exact on
 * the platform's clock too.
 *
 * Order: each caller brings a ticket (its delivery id, which sorts by publish time). While an older
 * ticket waits for the same lane, a younger one waits too, so a throttled robot still gets its
 * messages in the order they were published (a RESOLVED never overtakes its FIRING).
 *
 * A lane may own several robots (a subscription's pool of extra robots): the slot is taken from the
 * first robot with room, each robot's own windows hold, and the lane keeps the pool in order.
 */
import type { RateWindow } from '../../adapters/types.js';

export type Acquired =
  | {
      ok: true;
      slot: string;
      /** index into `robots` of the robot whose slot was taken */
      robot: number;
      /** every robot of the lane was at its limit while this ticket waited */
      waitedForWindow: boolean;
      /** with `peek`: that key's stored value as the lane was taken (null: absent) */
      peeked?: string | null;
    }
  | {
      ok: false;
      waitMs: number;
      /**
       * the ticket left its line a moment ago (it ended, or a digest carries it) while this step
       * ran: look at the record before waiting (./redis-window-gate.ts)
       */
      left?: boolean;
    };

/** A send that succeeded, whose lane frees once its record says so. */
export interface Settled {
  robot: string;
  slot: string;
}

/** Who is first once a step has left: on the lane (at the gate), and in its order line. */
export interface FirstUp {
  lane?: Waiter;
  line?: Waiter;
  /** with a peek prefix: the stored record of the older of the two, read in the same step (null: absent) */
  peeked?: string | null;
}

/** A ticket in line for a lane, and the queue job to wake when its turn comes. */
export interface Waiter {
  ticket: string;
  job: string;
  /**
   * The order line the ticket stands in besides its lane: its subscription. A gate shared by
   * several instances (./redis-window-gate.ts) enlists each delivery there at publish, before it
   * reaches the gate; a gate in one process needs none and ignores it.
   */
  line?: string;
}

export interface WindowGate {
  /**
   * Takes the lane and a slot on the first of `robots` with room, when no older ticket waits and no
   * send is in flight on the lane; otherwise puts the ticket in line and says how long to wait (it
   * is woken sooner when the lane frees). `peek`: a store key (Redis) to read in the same step once
   * the lane is taken (`peeked`); a gate without a store ignores it.
   */
  acquire(lane: string, robots: readonly string[], windows: readonly RateWindow[], ticket: string, job: string, line?: string, peek?: string): Promise<Acquired>;
  /** The send finished (or, with `sent` false, never happened): free the lane; count the slot from now or drop it. */
  settle(lane: string, robot: string, slot: string, sent: boolean): Promise<void>;
  /** The platform said "too fast": hold that robot for ms. */
  block(robot: string, ms: number): Promise<void>;
  /** Keeps a ticket's place in line for ms (a retry after a failed send): younger tickets stay behind it. */
  hold(lane: string, waiter: Waiter, ms: number): Promise<void>;
  /** Takes tickets out of line (finished, or carried by a digest). */
  leave(lane: string, waiters: readonly Waiter[]): Promise<void>;
  /** Everyone in line, oldest ticket first; with `line`, also who stands in that order line. */
  waiters(lane: string, line?: string): Promise<Waiter[]>;
  /**
   * A step ended: settle its send (when given), take it out of line, and say who is first now on
   * the lane and in its order line, in one step.
   */
  handOver(lane: string, settled: Settled | undefined, leaving: Waiter, peekPrefix?: string): Promise<FirstUp>;
  close?(): Promise<void>;
}

/** A waiting ticket keeps its place this long past its wake-up time (a waiter that never returns loses it). */
export const WAITER_GRACE_MS = 5_000;
/**
 * A ticket behind an older one, or behind a send in flight, looks again after at most this long.
 * It is normally woken sooner, by whoever frees the lane; this only bounds a lost wake-up.
 */
export const RECHECK_MS = 1_500;
/** A lane whose sender never settles (its instance died) frees itself this long after delivery.timeoutMs. */
export const LANE_MARGIN_MS = 5_000;

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

interface Robot {
  slots: { id: number; t: number }[];
  blockedUntil: number;
  /** its longest window (ms): a slot older than this counts no more */
  keepMs: number;
}

/** How often idle robots are looked for (a robot with nothing in its windows is state worth nothing). */
export const ROBOT_PRUNE_MS = 10_000;

interface Lane {
  /** the job whose send is in flight, and when its claim lapses */
  busy?: { job: string; until: number };
  waiting: Map<string, { job: string; lapse: number; full: boolean }>;
  /** the tickets of `waiting`, sorted (a storm puts thousands in one line: no scan or sort per step) */
  order: string[];
  /** when lapsed waiters were last dropped */
  sweptAt: number;
}

/** Lapsed waiters are looked for at most this often per lane. */
const SWEEP_LANE_MS = 250;

/** Where `ticket` is, or would go, in the sorted `order`. */
function place(order: readonly string[], ticket: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid]! < ticket) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryWindowGate implements WindowGate {
  private readonly robots = new Map<string, Robot>();
  private readonly lanes = new Map<string, Lane>();
  private seq = 0;
  private prunedAt = 0;

  /** `leaseMs`: how long a send in flight may hold its lane (delivery.timeoutMs + LANE_MARGIN_MS). */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly leaseMs = 10_000 + LANE_MARGIN_MS,
  ) {}

  private robot(key: string): Robot {
    let robot = this.robots.get(key);
    if (!robot) {
      robot = { slots: [], blockedUntil: 0, keepMs: 0 };
      this.robots.set(key, robot);
    }
    return robot;
  }

  private lane(key: string, now: number): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { waiting: new Map(), order: [], sweptAt: now };
      this.lanes.set(key, lane);
    }
    if (now - lane.sweptAt >= SWEEP_LANE_MS) {
      lane.sweptAt = now;
      let lapsed = false;
      for (const [t, w] of lane.waiting) {
        if (w.lapse < now) {
          lane.waiting.delete(t);
          lapsed = true;
        }
      }
      if (lapsed) lane.order = lane.order.filter((t) => lane!.waiting.has(t));
    }
    if (lane.busy && lane.busy.until <= now) lane.busy = undefined;
    return lane;
  }

  /** Puts a ticket in line, or updates its place's terms. */
  private wait(lane: Lane, ticket: string, w: { job: string; lapse: number; full: boolean }): void {
    if (!lane.waiting.has(ticket)) lane.order.splice(place(lane.order, ticket), 0, ticket);
    lane.waiting.set(ticket, w);
  }

  /** Takes a ticket out of line. */
  private unwait(lane: Lane, ticket: string): void {
    if (!lane.waiting.delete(ticket)) return;
    const i = place(lane.order, ticket);
    if (lane.order[i] === ticket) lane.order.splice(i, 1);
  }

  /** Idle robots and lanes are forgotten, so the maps hold only what is in use. */
  private tidy(key: string): void {
    const lane = this.lanes.get(key);
    if (lane && !lane.busy && lane.waiting.size === 0) this.lanes.delete(key);
  }

  /** A robot with no slot in its windows and no block is the same as no entry: a fan-out to 100,000 endpoints leaves none behind. */
  private idle(robot: Robot, now: number): boolean {
    return robot.blockedUntil <= now && robot.slots.every((s) => s.t <= now - robot.keepMs);
  }

  private prune(now: number): void {
    if (now - this.prunedAt < ROBOT_PRUNE_MS) return;
    this.prunedAt = now;
    for (const [key, robot] of this.robots) if (this.idle(robot, now)) this.robots.delete(key);
  }

  async acquire(laneKey: string, robots: readonly string[], windows: readonly RateWindow[], ticket: string, job: string): Promise<Acquired> {
    const now = this.now();
    this.prune(now);
    const lane = this.lane(laneKey, now);
    const longest = Math.max(0, ...windows.map((w) => w.perMs));
    let chosen = -1;
    let windowWait = Number.POSITIVE_INFINITY;
    robots.forEach((key, i) => {
      const robot = this.robot(key);
      robot.keepMs = longest;
      robot.slots = robot.slots.filter((s) => s.t > now - longest);
      const wait = Math.max(
        robot.blockedUntil - now,
        waitFor(
          robot.slots.map((s) => s.t),
          windows,
          now,
        ),
      );
      if (wait <= 0 && chosen < 0) chosen = i;
      windowWait = Math.min(windowWait, Math.max(0, wait));
    });
    if (chosen >= 0) windowWait = 0;
    const busy = lane.busy ? lane.busy.until - now : 0;
    const older = lane.order.length > 0 && lane.order[0]! < ticket;
    const mine = lane.waiting.get(ticket);
    if (chosen >= 0 && busy <= 0 && !older) {
      this.unwait(lane, ticket);
      const id = ++this.seq;
      this.robot(robots[chosen]!).slots.push({ id, t: now });
      lane.busy = { job, until: now + this.leaseMs };
      return { ok: true, slot: String(id), robot: chosen, waitedForWindow: mine?.full ?? false };
    }
    let wait = windowWait;
    if (busy > 0) wait = Math.max(windowWait, Math.min(busy, RECHECK_MS));
    else if (older) wait = Math.max(windowWait, RECHECK_MS);
    this.wait(lane, ticket, { job, lapse: now + wait + WAITER_GRACE_MS, full: (mine?.full ?? false) || chosen < 0 });
    return { ok: false, waitMs: wait };
  }

  async settle(laneKey: string, robotKey: string, slot: string, sent: boolean): Promise<void> {
    const lane = this.lanes.get(laneKey);
    if (lane) lane.busy = undefined;
    this.tidy(laneKey);
    const robot = this.robots.get(robotKey);
    if (!robot) return;
    if (!sent) {
      robot.slots = robot.slots.filter((x) => String(x.id) !== slot);
      return;
    }
    const now = this.now();
    const s = robot.slots.find((x) => String(x.id) === slot);
    if (s) s.t = Math.max(s.t, now);
    // a robot without windows (a webhook) keeps nothing once its send is done
    if (this.idle(robot, now)) this.robots.delete(robotKey);
  }

  async block(robotKey: string, ms: number): Promise<void> {
    const robot = this.robot(robotKey);
    robot.blockedUntil = Math.max(robot.blockedUntil, this.now() + ms);
  }

  async hold(laneKey: string, waiter: Waiter, ms: number): Promise<void> {
    const now = this.now();
    const lane = this.lane(laneKey, now);
    const full = lane.waiting.get(waiter.ticket)?.full ?? false;
    this.wait(lane, waiter.ticket, { job: waiter.job, lapse: now + ms + WAITER_GRACE_MS, full });
  }

  async leave(laneKey: string, waiters: readonly Waiter[]): Promise<void> {
    const lane = this.lanes.get(laneKey);
    if (!lane) return;
    for (const w of waiters) if (lane.waiting.get(w.ticket)?.job === w.job) this.unwait(lane, w.ticket);
    this.tidy(laneKey);
  }

  /** settle, leave and who is first now, reading only the head of the line (one process has no order lines: `line` is the lane's first too) */
  async handOver(laneKey: string, settled: Settled | undefined, leaving: Waiter): Promise<FirstUp> {
    if (settled) await this.settle(laneKey, settled.robot, settled.slot, true);
    await this.leave(laneKey, [leaving]);
    if (!this.lanes.has(laneKey)) return {};
    const lane = this.lane(laneKey, this.now());
    const ticket = lane.order.find((t) => lane.waiting.get(t)!.job !== leaving.job);
    const first = ticket === undefined ? undefined : { ticket, job: lane.waiting.get(ticket)!.job };
    return { lane: first, line: first };
  }

  /** Robots with state (slots in a window, a block): what this gate holds in memory. */
  get robotCount(): number {
    return this.robots.size;
  }

  async waiters(laneKey: string): Promise<Waiter[]> {
    if (!this.lanes.has(laneKey)) return [];
    const lane = this.lane(laneKey, this.now());
    return lane.order.map((ticket) => ({ ticket, job: lane.waiting.get(ticket)!.job }));
  }
}

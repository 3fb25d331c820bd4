/**
 * The delivery queue contract and its embedded engine. A job is a delivery id and the time it is
 * due. The embedded engine keeps due times in memory; what makes it durable is the `pending` set in
 * the store, written with the delivery records before a publish is answered, and read back at start.
 *
 * A job holds one of the `concurrency` slots only while its handler runs, and the handler never
 * waits for a robot: it returns `{retryAt}` instead, and whoever frees that robot calls `wake`.
 */
import { deliveryId } from '../store/indexes.js';

export interface QueueJob {
  id: string;
  runAt: number;
}

export type JobResult = { done: true } | { retryAt: number };
export type JobHandler = (id: string) => Promise<JobResult>;

export interface DeliveryQueue {
  /** Hand durable deliveries to the workers. */
  enqueue(jobs: QueueJob[]): Promise<void>;
  /** Start running due jobs; `resume` lists the jobs persisted before this start. */
  start(handler: JobHandler, resume: () => Promise<QueueJob[]>): Promise<void>;
  /** Run a queued job now instead of at its due time (its robot is free); a job running now runs once more. */
  wake(id: string): Promise<void>;
  /** Drop a queued job that is not running anywhere (its delivery ended elsewhere); true when dropped. */
  dismiss?(id: string): Promise<boolean>;
  /** Take no new job; resolve when the jobs in flight have finished. */
  stop(): Promise<void>;
  depth(): Promise<number>;
  ping(): Promise<void>;
}

/** Binary min-heap on (runAt, id): ids are time-sortable, so equal times keep publish order. */
class Heap {
  private items: QueueJob[] = [];
  get size() {
    return this.items.length;
  }
  peek(): QueueJob | undefined {
    return this.items[0];
  }
  private less(a: QueueJob, b: QueueJob) {
    return a.runAt < b.runAt || (a.runAt === b.runAt && a.id < b.id);
  }
  push(job: QueueJob) {
    const a = this.items;
    a.push(job);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): QueueJob | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** `queued` value of a job in the due-now line (a small integer: no boxed number per job). */
const DUE = 0;

/**
 * Consecutive deliveries of one message queued due at once (a fan-out's batch): held as the
 * message id and a range of indexes, the ids made one at a time as they run. 100,000 queued
 * deliveries are then a few hundred of these instead of 100,000 strings and map entries.
 */
interface Run {
  messageId: string;
  next: number;
  end: number;
}

/** A delivery id (deliveryId) as message id and index; undefined for any other id. */
function splitId(id: string): [string, number] | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0 || id.length - dot < 6) return undefined;
  const index = Number(id.slice(dot + 1));
  if (!Number.isInteger(index) || deliveryId(id.slice(0, dot), index) !== id) return undefined;
  return [id.slice(0, dot), index];
}

export class EmbeddedQueue implements DeliveryQueue {
  private readonly heap = new Heap();
  /**
   * Jobs due when they were queued, in the order they came: ids, or runs of them. `dueHead` is the
   * next to run.
   */
  private due: (string | Run)[] = [];
  private dueHead = 0;
  /** message id -> its runs in the due-now line, and the ids of them that left early (woken, re-queued) */
  private readonly runs = new Map<string, Run[]>();
  private readonly leftRuns = new Set<string>();
  /** ids waiting in runs */
  private inRuns = 0;
  /** queued id → its due time (DUE: in the due-now line); heap entries with another time are stale (a wake moved the job) */
  private readonly queued = new Map<string, number>();
  private readonly running = new Set<string>();
  /** running ids woken meanwhile: they run again as soon as they return */
  private readonly rewake = new Set<string>();
  private handler?: JobHandler;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private idle?: () => void;

  constructor(
    private readonly concurrency: number,
    private readonly onError: (err: unknown, id: string) => void,
  ) {}

  /** Whether the id waits in a run of the due-now line. */
  private inRun(id: string): boolean {
    const parts = splitId(id);
    const runs = parts && this.runs.get(parts[0]);
    if (!runs) return false;
    return runs.some((r) => parts[1] >= r.next && parts[1] < r.end) && !this.leftRuns.has(id);
  }

  /** Takes the id out of its run (it is queued at another time now). */
  private leaveRun(id: string): void {
    this.leftRuns.add(id);
    this.inRuns--;
  }

  /** Due now: appended to the last run when it continues it, else a run of its own. */
  private pushDue(id: string): void {
    const parts = splitId(id);
    // one that left a run still stands in it (skipped there when its turn comes): queued by id this time
    if (!parts || this.leftRuns.has(id)) {
      this.queued.set(id, DUE);
      this.due.push(id);
      return;
    }
    const [messageId, index] = parts;
    const last = this.due[this.due.length - 1];
    if (last !== undefined && typeof last !== 'string' && last.messageId === messageId && last.end === index) last.end++;
    else {
      const run: Run = { messageId, next: index, end: index + 1 };
      this.due.push(run);
      const runs = this.runs.get(messageId);
      if (runs) runs.push(run);
      else this.runs.set(messageId, [run]);
    }
    this.inRuns++;
  }

  private put(id: string, runAt: number, now = Date.now()): void {
    if (this.inRun(id)) return; // due now already
    const at = this.queued.get(id);
    if (at !== undefined && at <= runAt) return;
    if (runAt <= now) {
      if (at !== undefined) this.queued.delete(id); // its heap entry goes stale
      this.pushDue(id);
      return;
    }
    this.queued.set(id, runAt);
    this.heap.push({ id, runAt });
  }

  /** The next job of the due-now line, skipping ids that left it; undefined when it is empty. */
  private nextDue(): string | undefined {
    while (this.dueHead < this.due.length) {
      const head = this.due[this.dueHead]!;
      if (typeof head === 'string') {
        this.dueHead++;
        if (this.queued.get(head) === DUE) {
          this.queued.delete(head);
          return head;
        }
        continue;
      }
      while (head.next < head.end) {
        const id = deliveryId(head.messageId, head.next++);
        if (this.leftRuns.delete(id)) continue; // counted out when it left
        this.inRuns--;
        return id;
      }
      this.dueHead++;
      const runs = this.runs.get(head.messageId)!;
      runs.splice(runs.indexOf(head), 1);
      if (runs.length === 0) this.runs.delete(head.messageId);
    }
    if (this.dueHead > 0) {
      this.due = [];
      this.dueHead = 0;
    }
    return undefined;
  }

  async enqueue(jobs: QueueJob[]): Promise<void> {
    const now = Date.now();
    for (const job of jobs) {
      if (this.running.has(job.id)) continue;
      this.put(job.id, job.runAt, now);
    }
    this.pump();
  }

  async wake(id: string): Promise<void> {
    if (this.running.has(id)) this.rewake.add(id);
    else if (this.inRun(id)) {
      // its turn on a robot came: ahead of the line of new jobs, not behind it
      this.leaveRun(id);
      const now = Date.now();
      this.queued.set(id, now);
      this.heap.push({ id, runAt: now });
      this.pump();
    } else if (this.queued.has(id)) {
      // its turn on a robot came: ahead of the line of new jobs, not behind it
      const now = Date.now();
      const at = this.queued.get(id)!;
      if (at === DUE || at > now) {
        this.queued.set(id, now);
        this.heap.push({ id, runAt: now });
      }
      this.pump();
    }
  }

  async start(handler: JobHandler, resume: () => Promise<QueueJob[]>): Promise<void> {
    this.handler = handler;
    await this.enqueue(await resume());
  }

  private pump(): void {
    if (!this.handler || this.stopping) return;
    const now = Date.now();
    while (this.running.size < this.concurrency) {
      // what came due in the heap (retries, waits) goes before the line of new jobs
      const top = this.heap.peek();
      if (top && top.runAt <= now) {
        this.heap.pop();
        if (this.queued.get(top.id) !== top.runAt) continue; // stale: moved by a wake
        this.queued.delete(top.id);
        this.run(top.id);
        continue;
      }
      const id = this.nextDue();
      if (id === undefined) break;
      this.run(id);
    }
    // the line is read from its head: drop what was read once it is most of the array
    if (this.dueHead > 1_024 && this.dueHead * 2 > this.due.length) {
      this.due = this.due.slice(this.dueHead);
      this.dueHead = 0;
    }
    clearTimeout(this.timer);
    const next = this.heap.peek();
    if (next && this.running.size < this.concurrency) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, next.runAt - now));
      this.timer.unref();
    }
  }

  private run(id: string): void {
    this.running.add(id);
    this.handler!(id)
      .then(
        (r) => {
          if ('retryAt' in r) this.queued.set(id, this.rewake.has(id) ? Date.now() : r.retryAt);
        },
        (err) => {
          this.onError(err, id);
          // Never lose it: try again in a while.
          this.queued.set(id, Date.now() + 5_000);
        },
      )
      .finally(() => {
        this.running.delete(id);
        this.rewake.delete(id);
        const at = this.queued.get(id);
        if (at !== undefined) this.heap.push({ id, runAt: at });
        if (this.stopping && this.running.size === 0) this.idle?.();
        this.pump();
      });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
    });
  }

  async depth(): Promise<number> {
    return this.queued.size + this.inRuns + this.running.size;
  }

  async ping(): Promise<void> {}
}

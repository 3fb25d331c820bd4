/**
 * The shared delivery queue for Redis mode: one BullMQ queue that every instance feeds and works.
 * The job id is the delivery id, so a delivery is queued at most once however many instances add it;
 * BullMQ's job lock gives each delivery to exactly one worker, and a worker that dies mid-delivery
 * stops renewing its lock, so another instance takes the job over (stalled-job check).
 * A handler's `{retryAt}` moves the job to BullMQ's delayed set: the retry survives any instance.
 * https://docs.bullmq.io/guide/workers/stalled-jobs
 * https://docs.bullmq.io/patterns/process-step-jobs#delaying
 */
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bounded } from '../redis/connection.js';
import type { DeliveryQueue, JobHandler, QueueJob } from './queue.js';

export const QUEUE_NAME = 'deliveries';
/** A worker holds a delivery this long without renewing (renewed every half); then it counts as dead. */
export const LOCK_DURATION_MS = 10_000;
/** How often each instance looks for deliveries whose worker died. */
export const STALLED_INTERVAL_MS = 5_000;
/** Stalling is never a reason to give a delivery up: the delivery record decides when it is done. */
export const MAX_STALLED_COUNT = 1_000_000;
/** A handler that throws (Redis away, a bug) runs again after this long, for as long as it takes. */
export const CRASH_RETRY_MS = 5_000;
const CRASH_ATTEMPTS = 1_000_000;
/** Pending deliveries with no job (a crash between the store write and the job add) are re-queued this often. */
export const RECONCILE_EVERY_MS = 5 * 60_000;
/** Jobs added per addBulk call. */
const ADD_CHUNK = 1_000;
/** Crashed delivery steps are logged at most this often (the rest are retried all the same). */
const REPORT_EVERY_MS = 5_000;
/** stop() waits this long past delivery.timeoutMs for deliveries in flight; the rest are taken over by the other instances. */
const STOP_MARGIN_MS = 3_000;
/** A handler woken while it ran runs again at once, this many times in a row at most. */
const MAX_RERUNS = 5;

export interface BullQueueOptions {
  /** BullMQ key prefix (`<prefix>:deliveries:...`) */
  prefix: string;
  concurrency: number;
  /** delivery.timeoutMs: one send takes at most this long */
  timeoutMs: number;
  /** a fail-fast connection for adding jobs and counting them */
  connection: Redis;
  /** a connection BullMQ may block on (maxRetriesPerRequest null); the worker duplicates it as needed */
  workerConnection: Redis;
  onError: (err: unknown, id: string) => void;
}

export class BullQueue implements DeliveryQueue {
  private readonly queue: Queue;
  private worker?: Worker;
  private reconcileTimer?: NodeJS.Timeout;
  private resume?: () => Promise<QueueJob[]>;
  private lastReport = 0;
  private readonly active = new Set<string>();
  private readonly rewake = new Set<string>();

  constructor(private readonly opts: BullQueueOptions) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: opts.connection,
      prefix: opts.prefix,
      skipWaitingForReady: true,
      defaultJobOptions: {
        attempts: CRASH_ATTEMPTS,
        backoff: { type: 'fixed', delay: CRASH_RETRY_MS },
        removeOnComplete: true,
        removeOnFail: true,
      },
    });
    this.queue.on('error', () => {}); // the failing call reports it
  }

  async enqueue(jobs: QueueJob[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < jobs.length; i += ADD_CHUNK) {
      const chunk = jobs.slice(i, i + ADD_CHUNK).map((j) => ({
        name: 'deliver',
        data: {},
        opts: { jobId: j.id, delay: Math.max(0, j.runAt - now) },
      }));
      await bounded(this.queue.addBulk(chunk));
    }
  }

  async start(handler: JobHandler, resume: () => Promise<QueueJob[]>): Promise<void> {
    this.resume = resume;
    const worker = new Worker(QUEUE_NAME, (job: Job, token?: string) => this.process(handler, job, token), {
      connection: this.opts.workerConnection,
      prefix: this.opts.prefix,
      concurrency: this.opts.concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
      autorun: false,
    });
    worker.on('error', () => {}); // connection errors: BullMQ reconnects; /readyz reports Redis
    worker.on('failed', (job, err) => {
      if (job && !(err instanceof DelayedError)) this.report(err, job.id ?? '?');
    });
    this.worker = worker;
    await this.reconcile();
    void worker.run().catch((err) => this.opts.onError(err, '(worker)'));
    this.reconcileTimer = setInterval(() => void this.reconcile().catch(() => {}), RECONCILE_EVERY_MS);
    this.reconcileTimer.unref();
  }

  /** While Redis is away every running delivery fails at once: report one, not hundreds. */
  private report(err: unknown, id: string): void {
    const now = Date.now();
    if (now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    this.opts.onError(err, id);
  }

  private async process(handler: JobHandler, job: Job, token?: string): Promise<void> {
    const id = job.id!;
    this.active.add(id);
    try {
      for (let run = 0; ; run++) {
        this.rewake.delete(id);
        const result = await handler(id);
        if (!('retryAt' in result)) return;
        if (this.rewake.has(id) && run < MAX_RERUNS) continue;
        await job.moveToDelayed(result.retryAt, token);
        throw new DelayedError();
      }
    } finally {
      this.active.delete(id);
      this.rewake.delete(id);
    }
  }

  /**
   * A delayed job is promoted to run now (any instance may hold it). One running on this instance
   * runs again when it returns; one running on another instance misses the wake and looks again at
   * its own time (the gate keeps those short).
   */
  async wake(id: string): Promise<void> {
    if (this.active.has(id)) {
      this.rewake.add(id);
      return;
    }
    const job = await bounded(this.queue.getJob(id)).catch(() => undefined);
    await job?.promote().catch(() => {}); // not delayed any more: it runs or ran already
  }

  /** Removes a job that no worker holds (BullMQ refuses a locked one): its delivery ended in another job's hand-off. */
  async dismiss(id: string): Promise<boolean> {
    if (this.active.has(id)) return false;
    return (await bounded(this.queue.remove(id, { removeChildren: false }))) === 1;
  }

  /**
   * Re-adds every delivery the store still calls pending. Ids already queued (waiting, delayed or
   * running anywhere) are ignored by BullMQ, so this only fills the holes a crash left.
   */
  async reconcile(): Promise<number> {
    if (!this.resume) return 0;
    const pending = await this.resume();
    await this.enqueue(pending);
    return pending.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.reconcileTimer);
    const closing = Promise.all([this.worker?.close(), this.queue.close()]);
    const wait = this.opts.timeoutMs + STOP_MARGIN_MS;
    await Promise.race([closing, new Promise((r) => setTimeout(r, wait).unref())]).catch(() => {});
  }

  async depth(): Promise<number> {
    const counts = await bounded(this.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized'));
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async ping(): Promise<void> {
    await bounded(this.opts.connection.ping());
  }
}

/**
 * The record sweep: every `records.sweepIntervalMs` it deletes, oldest first and in small batches
 * (one short transaction each, with a turn of the event loop between), messages past
 * `records.retentionDays` and their index entries, failed-delivery entries past it, audit entries
 * past `audit.retentionDays`, and every record of a deleted topic; then the embedded store drops
 * rows whose TTL has passed. A failing pass is logged and the next one tries again.
 */
import { setImmediate as turn } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { AUDIT_INDEX, DELETED_TOPICS, deliveryId, FAILED_INDEX, MESSAGES_INDEX, splitMessageMember, topicIndex } from './indexes.js';
import { HELD_SET, type MessageRecord } from './messages.js';
import type { Store, WriteOp } from './store.js';

/** Index entries handled per transaction. */
export const SWEEP_BATCH = 200;
/** A deleted topic's deliveries deleted per transaction. */
const DELIVERY_BATCH = 1_000;

export interface SweepCounts {
  messages: number;
  failed: number;
  audit: number;
  deletedTopicMessages: number;
  expiredRows: number;
}

export class RecordSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepCounts>;

  constructor(
    private readonly store: Store,
    private readonly opts: { retentionMs: number; auditRetentionMs: number; log: Logger; batch?: number },
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep().catch(() => {}), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  /** One whole pass; a pass already under way is joined, not doubled. */
  sweep(now = Date.now()): Promise<SweepCounts> {
    this.running ??= this.pass(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(now: number): Promise<SweepCounts> {
    const counts: SweepCounts = { messages: 0, failed: 0, audit: 0, deletedTopicMessages: 0, expiredRows: 0 };
    const step = async (name: keyof SweepCounts, fn: () => Promise<number>) => {
      try {
        counts[name] = await fn();
      } catch (err) {
        this.opts.log.error(`record sweep: ${name} failed; the next sweep tries again`, { err });
      }
    };
    const cutoff = now - this.opts.retentionMs;
    await step('deletedTopicMessages', () => this.deletedTopics());
    await step('messages', () =>
      this.drain(MESSAGES_INDEX, cutoff, (member) => {
        const { id, topic } = splitMessageMember(member);
        return [
          { op: 'del', key: `msg:${id}` },
          { op: 'zrem', set: topicIndex(topic), member: id },
        ];
      }),
    );
    await step('failed', () => this.drain(FAILED_INDEX, cutoff, (id) => [{ op: 'del', key: `dlv:${id}` }]));
    await step('audit', () =>
      this.drain(AUDIT_INDEX, now - this.opts.auditRetentionMs, (id) => [{ op: 'del', key: `audit:${id}` }]),
    );
    if (this.store.sweepExpired) await step('expiredRows', () => this.store.sweepExpired!());
    const total = counts.messages + counts.failed + counts.audit + counts.deletedTopicMessages + counts.expiredRows;
    if (total > 0) this.opts.log.info('record sweep', { ...counts });
    return counts;
  }

  /** Removes the entries of `index` scored up to `max`, oldest first, with what each takes along. */
  private async drain(index: string, max: number, along: (member: string) => WriteOp[]): Promise<number> {
    const batch = this.opts.batch ?? SWEEP_BATCH;
    let n = 0;
    for (;;) {
      const entries = await this.store.zrange(index, { order: 'asc', max, limit: batch });
      if (entries.length === 0) return n;
      const ops: WriteOp[] = [];
      for (const e of entries) ops.push(...along(e.member), { op: 'zrem', set: index, member: e.member });
      await this.store.batch(ops);
      n += entries.length;
      if (entries.length < batch) return n;
      await turn();
    }
  }

  /** Every message of a deleted topic older than its deletion, with its deliveries and index entries. */
  private async deletedTopics(): Promise<number> {
    const batch = this.opts.batch ?? SWEEP_BATCH;
    let n = 0;
    for (const gone of await this.store.zrange(DELETED_TOPICS, { order: 'asc', limit: 100 })) {
      const name = gone.member;
      for (;;) {
        const entries = await this.store.zrange(topicIndex(name), { order: 'asc', max: gone.score, limit: batch });
        const msgs = await this.store.getMany<MessageRecord>(entries.map((e) => `msg:${e.member}`));
        const ops: WriteOp[] = [];
        for (let k = 0; k < entries.length; k++) {
          const id = entries[k]!.member;
          const count = msgs[k]?.deliveryCount ?? 0;
          for (let i = 0; i < count; i += DELIVERY_BATCH) {
            const dels: WriteOp[] = [];
            for (let j = i; j < Math.min(count, i + DELIVERY_BATCH); j++) {
              const d = deliveryId(id, j);
              dels.push(
                { op: 'del', key: `dlv:${d}` },
                { op: 'srem', set: 'pending', member: d },
                { op: 'srem', set: HELD_SET, member: d },
                { op: 'zrem', set: FAILED_INDEX, member: d },
              );
            }
            await this.store.batch(dels);
            await turn();
          }
          ops.push(
            { op: 'del', key: `msg:${id}` },
            { op: 'zrem', set: MESSAGES_INDEX, member: `${id}:${name}` },
            { op: 'zrem', set: topicIndex(name), member: id },
          );
        }
        await this.store.batch(ops);
        n += entries.length;
        if (entries.length < batch) break;
        await turn();
      }
      await this.store.batch([{ op: 'zrem', set: DELETED_TOPICS, member: name }]);
    }
    return n;
  }
}

/**
 * Messages and their deliveries. A message holds the text rendered for each protocol at publish
 * time; a delivery is one (message, subscription) pair with its own status. `pending` lists the
 * deliveries not yet final: that set is what survives a crash and is resumed at start.
 *
 * Time-ordered indexes (scored by the time in the record's id): `topic-msgs:<topic>` (message
 * ids), `msgs` (`<id>:<topic>` of every message) and `failed` (delivery ids). The record sweep
 * (sweep.ts) keeps them bounded; listings page through them (record-queries.ts).
 */
import type { Level, MessageAction, Mentions } from '../../adapters/types.js';
import { idTime } from './ids.js';
import { type DeliveryPage, type DeliveryQuery, listDeliveries, listMessages, type MessagePage, type MessageQuery } from './record-queries.js';
import { deliveryId, FAILED_INDEX, MESSAGES_INDEX, topicIndex } from './indexes.js';
import type { Store, WriteOp } from './store.js';

export interface MessageRecord {
  id: string;
  topic: string;
  subject?: string;
  /** the message as published (JSON `message`, the text/plain body); for alerts and templates the default rendering */
  text?: string;
  level: Level;
  mentions: Mentions;
  attributes: Record<string, string>;
  /** rendered text per protocol; `default` for any protocol without its own */
  bodies: Record<string, string>;
  format: 'markdown' | 'text';
  source: string;
  deliveryCount: number;
  /**
   * Other versions of the message, for subscriptions whose filter let only some alerts of a
   * grouped notification through; a delivery's `variant` names its index.
   */
  variants?: MessageVariant[];
  createdAt: string;
  /** an alert group's alert keys (src/templates/alerts/alert-draft.ts): cards sent for them are edited by later states */
  alertKeys?: string[];
  actions?: MessageAction[];
  /** a digest: the messages it carries, oldest first */
  carries?: string[];
}

export type MessageVariant = Pick<MessageRecord, 'subject' | 'text' | 'level' | 'mentions' | 'attributes' | 'bodies' | 'alertKeys' | 'actions'>;

/** muted: recorded while its subscription was muted, never sent; held: waits for the end of quiet hours */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'muted' | 'held';

/** One try at the platform: when, and what it answered. */
export interface Attempt {
  at: string;
  ok: boolean;
  /** the part of a split message this try sent (1-based), when there are several */
  part?: number;
  error?: string;
  code?: string | number;
}

/** Attempts kept per delivery (the oldest are dropped first). */
export const MAX_ATTEMPT_HISTORY = 50;

/** Appends one try to a delivery's history, keeping the newest MAX_ATTEMPT_HISTORY. */
export function recordAttempt(d: DeliveryRecord, a: Omit<Attempt, 'at'>, at = new Date()): void {
  const entry: Attempt = { at: at.toISOString(), ok: a.ok };
  if (a.part !== undefined) entry.part = a.part;
  if (a.error !== undefined) entry.error = a.error;
  if (a.code !== undefined) entry.code = a.code;
  d.history = [...(d.history ?? []), entry].slice(-MAX_ATTEMPT_HISTORY);
}

/** A failed delivery sent again: pending, a fresh attempt history, no stale error or code. */
export function replayed(d: DeliveryRecord, now = new Date()): DeliveryRecord {
  const { lastError: _e, lastCode: _c, nextAttemptAt: _n, ...rest } = d;
  return { ...rest, status: 'pending', attempts: 0, history: [], replays: (d.replays ?? 0) + 1, replayedAt: now.toISOString(), updatedAt: now.toISOString() };
}

export interface DeliveryRecord {
  id: string;
  messageId: string;
  topic: string;
  subscriptionId: string;
  protocol: string;
  status: DeliveryStatus;
  attempts: number;
  /** parts already accepted by the platform (a split message resumes after them) */
  partsDone: number;
  parts?: number;
  lastError?: string;
  lastCode?: string | number;
  /** each try with its time and answer, oldest first (fresh after a replay) */
  history?: Attempt[];
  /** how often it was replayed, and when last */
  replays?: number;
  replayedAt?: string;
  nextAttemptAt?: number;
  deliveredAt?: string;
  /** which of the message's `variants` it carries (none: the message as published) */
  variant?: number;
  /** held: when its quiet hours end (epoch ms) */
  releaseAt?: number;
  /** the id of the digest delivery that carries it (quiet hours released, or a robot at its rate limit) */
  digest?: string;
  /** a digest: the deliveries it carries, oldest first */
  carries?: string[];
  /** its place in its robot's line when not its own id (a digest goes where the oldest message it carries was) */
  ticket?: string;
  updatedAt: string;
  /** the platform's id of what was sent (first part), where it gives one */
  platformMessageId?: string;
  /** set when this delivery edited an earlier card in place instead of sending a new message */
  editedMessageId?: string;
}

/** The deliveries waiting for their subscription's quiet hours to end (src/routing/quiet-release.ts). */
export const HELD_SET = 'held';

export { deliveryId };

export class MessageRepo {
  constructor(
    private readonly store: Store,
    private readonly retentionMs: number,
  ) {}

  /** Everything of one publish, durable together. */
  createOps(msg: MessageRecord, deliveries: DeliveryRecord[]): WriteOp[] {
    return [
      { op: 'set', key: `msg:${msg.id}`, value: msg, ttlMs: this.retentionMs },
      { op: 'zadd', set: topicIndex(msg.topic), score: idTime(msg.id), member: msg.id },
      { op: 'zadd', set: MESSAGES_INDEX, score: idTime(msg.id), member: `${msg.id}:${msg.topic}` },
      ...this.deliveryOps(deliveries),
    ];
  }

  /** New deliveries, each in the set of its status (a large fan-out writes them in batches). */
  deliveryOps(deliveries: DeliveryRecord[]): WriteOp[] {
    const ops: WriteOp[] = [];
    for (const d of deliveries) {
      if (d.status === 'pending') ops.push({ op: 'set', key: `dlv:${d.id}`, value: d }, { op: 'sadd', set: 'pending', member: d.id });
      else if (d.status === 'held') ops.push({ op: 'set', key: `dlv:${d.id}`, value: d }, { op: 'sadd', set: HELD_SET, member: d.id });
      else if (d.status === 'failed') {
        // failed at publish (its template passed the budget): listed with the failed, replayable
        ops.push(
          { op: 'set', key: `dlv:${d.id}`, value: d, ttlMs: this.retentionMs },
          { op: 'zadd', set: FAILED_INDEX, score: idTime(d.id), member: d.id },
        );
      } else ops.push({ op: 'set', key: `dlv:${d.id}`, value: d, ttlMs: this.retentionMs }); // muted: final at once
    }
    return ops;
  }

  getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.store.get<MessageRecord>(`msg:${id}`);
  }

  getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    return this.store.get<DeliveryRecord>(`dlv:${id}`);
  }

  /** Redis: where a delivery's record lives, for a gate script to read it in the same step (undefined: no such store). */
  deliveryKey(id: string): string | undefined {
    return this.store.stored?.key(`dlv:${id}`);
  }

  /** A record such a script read (null: none). */
  decodeDelivery(stored: string | null): DeliveryRecord | undefined {
    return this.store.stored?.decode<DeliveryRecord>(stored);
  }

  async deliveriesOf(msg: MessageRecord): Promise<DeliveryRecord[]> {
    const ids = Array.from({ length: msg.deliveryCount }, (_, i) => deliveryId(msg.id, i));
    return (await this.store.getMany<DeliveryRecord>(ids.map((id) => `dlv:${id}`))).filter(
      (d): d is DeliveryRecord => !!d,
    );
  }

  /** A topic's messages, newest first, a page at a time. */
  listMessages(q: MessageQuery): Promise<MessagePage> {
    return listMessages(this.store, q);
  }

  /** Deliveries by status, topic and subscription, newest message first, a page at a time. */
  listDeliveries(q: DeliveryQuery): Promise<DeliveryPage> {
    return listDeliveries(this.store, q);
  }

  pendingIds(): Promise<string[]> {
    return this.store.smembers('pending');
  }

  async failed(limit: number): Promise<DeliveryRecord[]> {
    return (await this.listDeliveries({ status: 'failed', limit })).deliveries;
  }

  /** Saves a delivery's progress; a final status leaves `pending` and starts its retention clock. */
  saveDelivery(d: DeliveryRecord): Promise<void> {
    return this.store.batch(this.saveOps(d));
  }

  /** The deliveries held by quiet hours. */
  /** Several records' writes, durable together (a digest with the deliveries it carries). */
  commit(ops: WriteOp[]): Promise<void> {
    return this.store.batch(ops);
  }

  heldIds(): Promise<string[]> {
    return this.store.smembers(HELD_SET);
  }

  async getDeliveries(ids: string[]): Promise<(DeliveryRecord | undefined)[]> {
    return this.store.getMany<DeliveryRecord>(ids.map((id) => `dlv:${id}`));
  }

  /** The writes of saveDelivery, to batch with others; a delivery that was held leaves `held` once it is not. */
  saveOps(d: DeliveryRecord): WriteOp[] {
    const ops: WriteOp[] = [];
    if (d.releaseAt !== undefined) ops.push({ op: d.status === 'held' ? 'sadd' : 'srem', set: HELD_SET, member: d.id });
    if (d.status === 'held') {
      ops.push({ op: 'set', key: `dlv:${d.id}`, value: d });
    } else if (d.status === 'pending') {
      ops.push({ op: 'set', key: `dlv:${d.id}`, value: d }, { op: 'sadd', set: 'pending', member: d.id });
      ops.push({ op: 'zrem', set: FAILED_INDEX, member: d.id });
    } else {
      // final: read again only when someone looks at the records (not kept in the read cache)
      ops.push({ op: 'set', key: `dlv:${d.id}`, value: d, ttlMs: this.retentionMs, cold: true });
      ops.push({ op: 'srem', set: 'pending', member: d.id });
      ops.push(
        d.status === 'failed'
          ? { op: 'zadd', set: FAILED_INDEX, score: idTime(d.id), member: d.id }
          : { op: 'zrem', set: FAILED_INDEX, member: d.id },
      );
    }
    return ops;
  }
}

/**
 * Listings of messages and deliveries, newest first, a page at a time, read from the
 * time-ordered indexes. A query is a filter object: the fields the indexes answer (topic, time,
 * status) plus `match`, any further condition on a record (a text search, a level …). When
 * conditions skip records, a listing reads at most SCAN_MAX records and may answer a short page
 * with a `next` cursor to go on from; it never reads a whole index.
 */
import type { Cursor } from './cursor.js';
import { idTime } from './ids.js';
import { deliveryId, FAILED_INDEX, MESSAGES_INDEX, splitMessageMember, topicIndex } from './indexes.js';
import type { DeliveryRecord, DeliveryStatus, MessageRecord } from './messages.js';
import type { Store, ZEntry } from './store.js';

/** Records read per listing call at most. */
export const SCAN_MAX = 2_000;
/** Index entries read per step when conditions skip records. */
const STEP = 200;

export interface MessageQuery {
  topic: string;
  limit: number;
  /** ms, inclusive */
  since?: number;
  until?: number;
  /** the topic's creation (ms): older records belong to an earlier topic of that name */
  notBefore?: number;
  cursor?: Cursor;
  /** any further condition on a record */
  match?: (m: MessageRecord) => boolean;
}

export interface MessagePage {
  messages: MessageRecord[];
  next: Cursor | null;
}

export interface DeliveryQuery {
  limit: number;
  status?: DeliveryStatus;
  topic?: string;
  subscriptionId?: string;
  /** the topic's creation (ms), with `topic` */
  notBefore?: number;
  cursor?: Cursor;
  /** any further condition on a record */
  match?: (d: DeliveryRecord) => boolean;
}

export interface DeliveryPage {
  deliveries: DeliveryRecord[];
  next: Cursor | null;
}

const lowest = (...xs: (number | undefined)[]) => {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length ? Math.max(...d) : undefined;
};

/**
 * Walks `index` newest first from `after`, loading each entry's record by `key`, keeping those
 * `keep` accepts, until `limit` are kept or SCAN_MAX were read. Entries whose record is gone
 * (expired before the sweep reached them) are dropped from the index on the way.
 */
async function walk<T>(
  store: Store,
  index: string,
  range: { min?: number; max?: number; after?: ZEntry; limit: number; filtered: boolean },
  key: (member: string) => string,
  keep: (rec: T) => boolean,
): Promise<{ items: T[]; next: Cursor | null }> {
  const items: T[] = [];
  let after = range.after;
  let scanned = 0;
  while (items.length < range.limit && scanned < SCAN_MAX) {
    const step = range.filtered ? Math.min(STEP, SCAN_MAX - scanned) : range.limit - items.length;
    const entries = await store.zrange(index, { limit: step, min: range.min, max: range.max, after });
    if (entries.length === 0) return { items, next: null };
    const recs = await store.getMany<T>(entries.map((e) => key(e.member)));
    scanned += entries.length;
    const dead: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const rec = recs[i];
      after = entries[i]!;
      if (rec === undefined) dead.push(entries[i]!.member);
      else if (keep(rec)) {
        items.push(rec);
        if (items.length === range.limit) break;
      }
    }
    if (dead.length) await store.batch(dead.map((member) => ({ op: 'zrem' as const, set: index, member })));
    if (entries.length < step && items.length < range.limit) return { items, next: null };
  }
  // is there anything past the last entry read?
  const more = await store.zrange(index, { limit: 1, min: range.min, max: range.max, after });
  return { items, next: more.length ? { score: after!.score, member: after!.member } : null };
}

export async function listMessages(store: Store, q: MessageQuery): Promise<MessagePage> {
  const { items, next } = await walk<MessageRecord>(
    store,
    topicIndex(q.topic),
    { min: lowest(q.since, q.notBefore), max: q.until, after: q.cursor, limit: q.limit, filtered: !!q.match },
    (id) => `msg:${id}`,
    (m) => !q.match || q.match(m),
  );
  return { messages: items, next };
}

export async function listDeliveries(store: Store, q: DeliveryQuery): Promise<DeliveryPage> {
  const keep = (d: DeliveryRecord) =>
    (!q.status || d.status === q.status) &&
    (!q.topic || d.topic === q.topic) &&
    (!q.subscriptionId || d.subscriptionId === q.subscriptionId) &&
    (q.notBefore === undefined || idTime(d.id) >= q.notBefore) &&
    (!q.match || q.match(d));
  if (q.status === 'failed') {
    const filtered = !!(q.topic || q.subscriptionId || q.match);
    const { items, next } = await walk<DeliveryRecord>(
      store,
      FAILED_INDEX,
      { min: q.notBefore, after: q.cursor, limit: q.limit, filtered },
      (id) => `dlv:${id}`,
      keep,
    );
    return { deliveries: items, next };
  }
  return byMessage(store, q, keep);
}

/** Deliveries of any status: the topic's (or every) message newest first, each one's deliveries in order. */
async function byMessage(store: Store, q: DeliveryQuery, keep: (d: DeliveryRecord) => boolean): Promise<DeliveryPage> {
  const index = q.topic ? topicIndex(q.topic) : MESSAGES_INDEX;
  const out: DeliveryRecord[] = [];
  let budget = SCAN_MAX;
  // the cursor's own message first, from the delivery it stopped at
  let pending: { entry: ZEntry; from: number }[] = q.cursor?.index !== undefined ? [{ entry: q.cursor, from: q.cursor.index }] : [];
  let after: ZEntry | undefined = q.cursor;
  for (;;) {
    if (pending.length === 0) {
      const entries = await store.zrange(index, { limit: 50, min: q.notBefore, after });
      if (entries.length === 0) return { deliveries: out, next: null };
      after = entries.at(-1);
      pending = entries.map((entry) => ({ entry, from: 0 }));
    }
    const msgs = await store.getMany<MessageRecord>(pending.map((p) => `msg:${splitMessageMember(p.entry.member).id}`));
    for (let k = 0; k < pending.length; k++) {
      const { entry, from } = pending[k]!;
      const msg = msgs[k];
      budget -= 1;
      if (!msg) continue;
      for (let i = from; i < msg.deliveryCount; ) {
        if (budget <= 0) return { deliveries: out, next: { score: entry.score, member: entry.member, index: i } };
        const n = Math.min(msg.deliveryCount - i, budget, 500);
        const ids = Array.from({ length: n }, (_, j) => `dlv:${deliveryId(msg.id, i + j)}`);
        const recs = await store.getMany<DeliveryRecord>(ids);
        budget -= n;
        for (let j = 0; j < n; j++) {
          const d = recs[j];
          if (d && keep(d)) {
            out.push(d);
            if (out.length === q.limit) {
              const more = i + j + 1 < msg.deliveryCount || k + 1 < pending.length || (await store.zrange(index, { limit: 1, min: q.notBefore, after })).length > 0;
              return { deliveries: out, next: more ? { score: entry.score, member: entry.member, index: i + j + 1 } : null };
            }
          }
        }
        i += n;
      }
    }
    pending = [];
    if (budget <= 0) {
      const more = (await store.zrange(index, { limit: 1, min: q.notBefore, after })).length > 0;
      return { deliveries: out, next: more && after ? { score: after.score, member: after.member } : null };
    }
  }
}

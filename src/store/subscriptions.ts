/**
 * Subscriptions. Endpoints and secrets are sealed (AES-256-GCM) before they reach the store; the
 * duplicate check uses a keyed fingerprint, so no index holds an endpoint either. Deleting removes
 * the record and every index entry, then purges the engine's files.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { createHmac } from 'node:crypto';
import type { Mentions } from '../../adapters/types.js';
import type { FilterPolicy } from '../routing/filter.js';
import type { RoutingRef } from '../routing/plan.js';
import type { QuietHours } from '../routing/quiet-hours.js';
import type { SecretBox } from '../security/secret-box.js';
import { type AuditNote, auditOps } from './audit.js';
import { type PackedRefs, packRefs, unpackRefs } from './compact-refs.js';
import type { Store, WriteOp } from './store.js';

export interface ChatRef {
  protocol: string;
  chatId: string;
  chatName?: string;
}

/** As stored: nothing in clear that could post to a group. */
export interface SubscriptionRecord {
  id: string;
  topic: string;
  protocol: string;
  endpoint: string; // sealed
  secret?: string; // sealed
  /** more robots of the same group (a pool): sealed like endpoint and secret */
  extraRobots?: { endpoint: string; secret?: string; maskedEndpoint: string }[];
  fingerprint: string;
  maskedEndpoint: string;
  keyword?: string;
  mentions?: Mentions;
  remark?: string;
  /** SMN string_equals filter policy (src/routing/filter.ts) */
  filter?: FilterPolicy;
  quietHours?: QuietHours;
  /** ISO time: muted until then */
  mutedUntil?: string;
  status: 'active';
  source: 'api' | 'chat';
  chat?: ChatRef;
  createdBy: string;
  createdAt: string;
}

/** Subscription records read at a time for a publish's list of targets. */
const REF_CHUNK = 1_000;

/** A subscription as a publish sees it: id, protocol and what routes to it (filter, quiet hours, mute). */
export type SubscriptionRef = RoutingRef;

/** The fields of a record a publish reads (see refOf). */
const REF_FIELDS = ['id', 'protocol', 'filter', 'quietHours', 'mutedUntil'] as const;

const refOf = (s: Pick<SubscriptionRecord, (typeof REF_FIELDS)[number]>): SubscriptionRef => {
  const ref: SubscriptionRef = { id: s.id, protocol: s.protocol };
  if (s.filter) ref.filter = s.filter;
  if (s.quietHours) ref.quietHours = s.quietHours;
  if (s.mutedUntil) ref.mutedUntil = s.mutedUntil;
  return ref;
};

/** Decrypted, for the delivery worker only. */
export interface OpenSubscription extends SubscriptionRecord {
  plainEndpoint: string;
  plainSecret?: string;
  /** the extra robots, opened */
  plainExtraRobots: { endpoint: string; secret?: string }[];
}

export class SubscriptionRepo {
  /** topic -> its subscriptions' ids and protocols; embedded mode is one process, so it is exact; invalidated on every change */
  private readonly byTopic = new Map<string, Promise<PackedRefs>>();

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly fingerprintKey: Buffer,
    private readonly cacheLists: boolean,
  ) {}

  fingerprint(topic: string, endpoint: string): string {
    return createHmac('sha256', this.fingerprintKey).update(`${topic}\n${endpoint}`).digest('base64url').slice(0, 32);
  }

  seal(plain: string): string {
    return this.box.seal(plain);
  }

  get(id: string): Promise<SubscriptionRecord | undefined> {
    return this.store.get<SubscriptionRecord>(`sub:${id}`);
  }

  async open(id: string): Promise<OpenSubscription | undefined> {
    const rec = await this.get(id);
    if (!rec) return undefined;
    return {
      ...rec,
      plainEndpoint: this.box.open(rec.endpoint),
      plainSecret: rec.secret ? this.box.open(rec.secret) : undefined,
      plainExtraRobots: (rec.extraRobots ?? []).map((r) => ({ endpoint: this.box.open(r.endpoint), secret: r.secret ? this.box.open(r.secret) : undefined })),
    };
  }

  /** Every subscription of a topic, as stored (read each time: the API lists, deletes, re-seals with it). */
  async listByTopic(topic: string): Promise<SubscriptionRecord[]> {
    const ids = await this.store.smembers(`topic-subs:${topic}`);
    return (await this.store.getMany<SubscriptionRecord>(ids.map((id) => `sub:${id}`))).filter(
      (s): s is SubscriptionRecord => !!s,
    );
  }

  /**
   * What a publish needs of a topic's subscriptions: id and protocol. Embedded mode keeps these
   * lists (a few dozen bytes a subscription, not the whole sealed record: 100,000 subscriptions fit
   * in a few MB, packed: ./compact-refs.ts) and drops one on every change to its topic.
   */
  async targetsOf(topic: string): Promise<SubscriptionRef[]> {
    if (!this.cacheLists) return this.refsOf(topic);
    let cached = this.byTopic.get(topic);
    if (!cached) {
      const load = this.refsOf(topic).then(packRefs);
      this.byTopic.set(topic, load);
      load.catch(() => this.byTopic.delete(topic));
      cached = load;
    }
    return unpackRefs(await cached);
  }

  /**
   * Reads a chunk at a time, with a turn of the event loop between chunks. The embedded store picks
   * out the routing fields itself; elsewhere one chunk of whole records is in memory at once.
   */
  private async refsOf(topic: string): Promise<SubscriptionRef[]> {
    const set = `topic-subs:${topic}`;
    const refs: SubscriptionRef[] = [];
    if (this.store.setValueFields) {
      for (let after = ''; ; await turn()) {
        const page = await this.store.setValueFields(set, 'sub:', REF_FIELDS, after, REF_CHUNK);
        for (const [, fields] of page) refs.push(refOf(fields as Pick<SubscriptionRecord, (typeof REF_FIELDS)[number]>));
        if (page.length < REF_CHUNK) return refs;
        after = page[page.length - 1]![0];
      }
    }
    const ids = await this.store.smembers(set);
    for (let i = 0; i < ids.length; i += REF_CHUNK) {
      if (i > 0) await turn();
      const recs = await this.store.getMany<SubscriptionRecord>(ids.slice(i, i + REF_CHUNK).map((id) => `sub:${id}`));
      for (const rec of recs) if (rec) refs.push(refOf(rec));
    }
    return refs;
  }

  countByTopic(topic: string): Promise<number> {
    return this.store.scard(`topic-subs:${topic}`);
  }

  async listByChat(protocol: string, chatId: string): Promise<SubscriptionRecord[]> {
    const ids = await this.store.smembers(`chat-subs:${protocol}:${chatId}`);
    return (await this.store.getMany<SubscriptionRecord>(ids.map((id) => `sub:${id}`))).filter(
      (s): s is SubscriptionRecord => !!s,
    );
  }

  /** Stores it unless the same endpoint is on the topic already; returns the id that holds it. */
  /**
   * Stores it unless the same endpoint is on the topic already (`created: false` with the id that
   * holds it) or the topic has `limit` subscriptions (`full`): checked and written as one atomic
   * step, so concurrent subscribes (API and chat commands alike) cannot pass the quota.
   */
  async create(rec: SubscriptionRecord, limit = Number.POSITIVE_INFINITY, audit?: AuditNote): Promise<{ created: boolean; id: string; full?: boolean }> {
    const fpKey = `sub-fp:${rec.topic}:${rec.fingerprint}`;
    const ops: WriteOp[] = [
      { op: 'set', key: fpKey, value: rec.id },
      { op: 'set', key: `sub:${rec.id}`, value: rec },
      { op: 'sadd', set: `topic-subs:${rec.topic}`, member: rec.id },
    ];
    if (rec.chat) ops.push({ op: 'sadd', set: `chat-subs:${rec.chat.protocol}:${rec.chat.chatId}`, member: rec.id });
    ops.push(...auditOps(audit));
    const result = await this.store.batchIf(
      { absent: fpKey, room: Number.isFinite(limit) ? { set: `topic-subs:${rec.topic}`, below: limit } : undefined },
      ops,
    );
    if (result === 'exists') return { created: false, id: (await this.store.get<string>(fpKey)) ?? '' };
    if (result === 'full') return { created: false, id: '', full: true };
    this.byTopic.delete(rec.topic);
    return { created: true, id: rec.id };
  }

  /** Saves a changed subscription (its filter, quiet hours, mute, mentions, keyword, remark). */
  async update(rec: SubscriptionRecord, audit?: AuditNote): Promise<void> {
    await this.store.batch([{ op: 'set', key: `sub:${rec.id}`, value: rec }, ...auditOps(audit)]);
    this.byTopic.delete(rec.topic);
  }

  remove(rec: SubscriptionRecord, audit?: AuditNote): Promise<void> {
    return this.removeMany([rec], auditOps(audit));
  }

  /**
   * Deletes them in one batch (with `also`: their topic's removal, the audit entry), then purges
   * once: no copy left in any index or file.
   */
  async removeMany(recs: SubscriptionRecord[], also: WriteOp[] = []): Promise<void> {
    if (recs.length === 0 && also.length === 0) return;
    const ops: WriteOp[] = recs.flatMap((rec): WriteOp[] => [
      { op: 'del', key: `sub:${rec.id}` },
      { op: 'del', key: `sub-fp:${rec.topic}:${rec.fingerprint}` },
      { op: 'srem', set: `topic-subs:${rec.topic}`, member: rec.id },
      ...(rec.chat ? [{ op: 'srem' as const, set: `chat-subs:${rec.chat.protocol}:${rec.chat.chatId}`, member: rec.id }] : []),
    ]);
    await this.store.batch([...ops, ...also]);
    for (const rec of recs) this.byTopic.delete(rec.topic);
    await this.store.purge();
  }

  /** Forget cached lists (another instance changed them). */
  invalidate(topic?: string): void {
    if (topic) this.byTopic.delete(topic);
    else this.byTopic.clear();
  }
}

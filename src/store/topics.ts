/** Topics: `topic:<name>` records and the `topics` index. */
import { type AuditNote, auditOps } from './audit.js';
import { DELETED_TOPICS } from './indexes.js';
import type { GuardResult, Store, WriteOp } from './store.js';

export interface Topic {
  name: string;
  displayName: string;
  createdAt: string;
  updatedAt: string;
}

/** Huawei SMN's rule: 1-255 letters, digits, "-" and "_", starting with a letter or digit. */
export const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

export class TopicRepo {
  constructor(private readonly store: Store) {}

  get(name: string): Promise<Topic | undefined> {
    return this.store.get<Topic>(`topic:${name}`);
  }

  async list(): Promise<Topic[]> {
    const names = await this.store.smembers('topics');
    return (await this.store.getMany<Topic>(names.map((n) => `topic:${n}`))).filter((t): t is Topic => !!t);
  }

  count(): Promise<number> {
    return this.store.scard('topics');
  }

  /**
   * Creates it unless the name is taken (`exists`) or `limit` topics exist (`full`), checked and
   * written as one atomic step, so concurrent creates cannot pass the quota or share a name. Each
   * write here takes the audit entry of the change and writes it with it.
   */
  create(topic: Topic, limit = Number.POSITIVE_INFINITY, audit?: AuditNote): Promise<GuardResult> {
    return this.store.batchIf({ absent: `topic:${topic.name}`, room: Number.isFinite(limit) ? { set: 'topics', below: limit } : undefined }, [
      { op: 'set', key: `topic:${topic.name}`, value: topic },
      { op: 'sadd', set: 'topics', member: topic.name },
      ...auditOps(audit),
    ]);
  }

  update(topic: Topic, audit?: AuditNote): Promise<void> {
    return this.store.batch([{ op: 'set', key: `topic:${topic.name}`, value: topic }, ...auditOps(audit)]);
  }

  /**
   * Deletes the topic; its records go with it: listings read only records younger than a topic's
   * creation, and the record sweep deletes the old ones in batches (DELETED_TOPICS says which).
   */
  remove(name: string, now = Date.now(), audit?: AuditNote): Promise<void> {
    return this.store.batch(this.removeOps(name, now, audit));
  }

  /** The writes of remove, to batch with others (its subscriptions' removal). */
  removeOps(name: string, now = Date.now(), audit?: AuditNote): WriteOp[] {
    return [
      { op: 'del', key: `topic:${name}` },
      { op: 'srem', set: 'topics', member: name },
      { op: 'zadd', set: DELETED_TOPICS, score: now, member: name },
      ...auditOps(audit),
    ];
  }
}

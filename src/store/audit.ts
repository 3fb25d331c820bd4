/** The audit trail: every admin change with actor, time, action and target; never a secret. */
import { idTime, newId } from './ids.js';
import { AUDIT_INDEX } from './indexes.js';
import type { Store, WriteOp } from './store.js';

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

/**
 * The trail outlives what it names: no endpoint, masked or not, is kept in it (a mask still shows
 * part of a URL that may carry a credential). Entries written before this rule lose theirs on read.
 */
function withoutEndpoints(details?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!details) return details;
  const { endpoint: _e, endpoints: _es, ...rest } = details;
  return rest;
}

/** What an audit entry says; a repository's write takes one and writes it with the change. */
export interface AuditNote {
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

/**
 * The writes of one audit entry (its record and its place in the time index the list and the
 * retention sweep read), to batch with the change it records: both happen, or neither.
 */
export function auditOps(note: AuditNote | undefined): WriteOp[] {
  if (!note) return [];
  const entry: AuditEntry = { id: newId('a'), at: new Date().toISOString(), actor: note.actor, action: note.action, target: note.target, details: withoutEndpoints(note.details) };
  return [
    { op: 'set', key: `audit:${entry.id}`, value: entry },
    { op: 'zadd', set: AUDIT_INDEX, score: idTime(entry.id), member: entry.id },
  ];
}

export class AuditRepo {
  constructor(private readonly store: Store) {}

  /** An entry of its own, for what is not a store write (a silence in Alertmanager, a test send, an ack). */
  async record(actor: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
    await this.store.batch(auditOps({ actor, action, target, details }));
  }

  /** Newest first, older than the entry `before` when given. */
  async list(limit: number, before?: string): Promise<AuditEntry[]> {
    const after = before ? { score: idTime(before), member: before } : undefined;
    const ids = (await this.store.zrange(AUDIT_INDEX, { limit, after })).map((e) => e.member);
    return (await this.store.getMany<AuditEntry>(ids.map((id) => `audit:${id}`)))
      .filter((e): e is AuditEntry => !!e)
      .map((e) => (e.details && ('endpoint' in e.details || 'endpoints' in e.details) ? { ...e, details: withoutEndpoints(e.details) } : e));
  }
}

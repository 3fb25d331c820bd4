/** The audit trail: every admin change with actor, time, action and target; never a secret. */
import { idTime, newId } from './ids.js';
import { AUDIT_INDEX } from './indexes.js';
import type { Store } from './store.js';

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

export class AuditRepo {
  constructor(private readonly store: Store) {}

  async record(actor: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
    const entry: AuditEntry = { id: newId('a'), at: new Date().toISOString(), actor, action, target, details: withoutEndpoints(details) };
    await this.store.batch([
      { op: 'set', key: `audit:${entry.id}`, value: entry },
      { op: 'zadd', set: AUDIT_INDEX, score: idTime(entry.id), member: entry.id },
    ]);
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

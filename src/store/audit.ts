/** The audit trail: every admin change with actor, time, action and target; never a secret. */
import { newId } from './ids.js';
import type { Store } from './store.js';

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export class AuditRepo {
  constructor(private readonly store: Store) {}

  async record(actor: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
    const entry: AuditEntry = { id: newId('a'), at: new Date().toISOString(), actor, action, target, details };
    await this.store.batch([
      { op: 'set', key: `audit:${entry.id}`, value: entry },
      { op: 'sadd', set: 'audit', member: entry.id },
    ]);
  }

  /** Newest first. */
  async list(limit: number, before?: string): Promise<AuditEntry[]> {
    let ids = (await this.store.smembers('audit')).sort().reverse();
    if (before) ids = ids.filter((id) => id < before);
    return (await this.store.getMany<AuditEntry>(ids.slice(0, limit).map((id) => `audit:${id}`))).filter(
      (e): e is AuditEntry => !!e,
    );
  }
}

/** Message templates: Handlebars content per (name, protocol); protocol `default` is the fallback. */
import { type AuditNote, auditOps } from './audit.js';
import type { GuardResult, Store } from './store.js';

export interface Template {
  name: string;
  protocol: string;
  content: string;
  createdAt: string;
  updatedAt: string;
}

const key = (name: string, protocol: string) => `tpl:${name}/${protocol}`;

export class TemplateRepo {
  constructor(private readonly store: Store) {}

  get(name: string, protocol: string): Promise<Template | undefined> {
    return this.store.get<Template>(key(name, protocol));
  }

  /** The protocol's own variant, else the `default` one. */
  async resolve(name: string, protocol: string): Promise<Template | undefined> {
    return (await this.get(name, protocol)) ?? (await this.get(name, 'default'));
  }

  async list(): Promise<Template[]> {
    const ids = await this.store.smembers('templates');
    return (await this.store.getMany<Template>(ids.map((id) => `tpl:${id}`))).filter((t): t is Template => !!t);
  }

  count(): Promise<number> {
    return this.store.scard('templates');
  }

  /**
   * Creates it unless (name, protocol) is taken (`exists`) or `limit` templates exist (`full`), in
   * one atomic step. Each write here takes the audit entry of the change and writes it with it.
   */
  create(t: Template, limit = Number.POSITIVE_INFINITY, audit?: AuditNote): Promise<GuardResult> {
    return this.store.batchIf({ absent: key(t.name, t.protocol), room: Number.isFinite(limit) ? { set: 'templates', below: limit } : undefined }, [
      { op: 'set', key: key(t.name, t.protocol), value: t },
      { op: 'sadd', set: 'templates', member: `${t.name}/${t.protocol}` },
      ...auditOps(audit),
    ]);
  }

  save(t: Template, audit?: AuditNote): Promise<void> {
    return this.store.batch([
      { op: 'set', key: key(t.name, t.protocol), value: t },
      { op: 'sadd', set: 'templates', member: `${t.name}/${t.protocol}` },
      ...auditOps(audit),
    ]);
  }

  remove(name: string, protocol: string, audit?: AuditNote): Promise<void> {
    return this.store.batch([
      { op: 'del', key: key(name, protocol) },
      { op: 'srem', set: 'templates', member: `${name}/${protocol}` },
      ...auditOps(audit),
    ]);
  }
}

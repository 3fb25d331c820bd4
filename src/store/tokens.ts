/** API tokens: shown once, stored as a SHA-256 hash; looked up by that hash. */
import { createHash, randomBytes } from 'node:crypto';
import { type AuditNote, auditOps } from './audit.js';
import type { Store } from './store.js';

export interface TokenRecord {
  name: string;
  scopes: string[];
  hash: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => `hrld_${randomBytes(24).toString('base64url')}`;

export class TokenRepo {
  constructor(private readonly store: Store) {}

  async findByToken(token: string): Promise<TokenRecord | undefined> {
    const name = await this.store.get<string>(`token-hash:${hashToken(token)}`);
    return name === undefined ? undefined : this.store.get<TokenRecord>(`token:${name}`);
  }

  get(name: string): Promise<TokenRecord | undefined> {
    return this.store.get<TokenRecord>(`token:${name}`);
  }

  async list(): Promise<TokenRecord[]> {
    const names = await this.store.smembers('tokens');
    return (await this.store.getMany<TokenRecord>(names.map((n) => `token:${n}`))).filter(
      (t): t is TokenRecord => !!t,
    );
  }

  /** false when the name is taken; the record, its hash, its index entry and the audit entry are one atomic write */
  async create(rec: TokenRecord, audit?: AuditNote): Promise<boolean> {
    const result = await this.store.batchIf({ absent: `token:${rec.name}` }, [
      { op: 'set', key: `token:${rec.name}`, value: rec },
      { op: 'set', key: `token-hash:${rec.hash}`, value: rec.name },
      { op: 'sadd', set: 'tokens', member: rec.name },
      ...auditOps(audit),
    ]);
    return result === 'applied';
  }

  /** Records the last use, unless the token was revoked (or replaced) meanwhile. */
  async touch(rec: TokenRecord, at: string): Promise<void> {
    const current = await this.get(rec.name);
    if (current?.hash === rec.hash) await this.store.set(`token:${rec.name}`, { ...current, lastUsedAt: at });
  }

  remove(rec: TokenRecord, audit?: AuditNote): Promise<void> {
    return this.store.batch([
      { op: 'del', key: `token:${rec.name}` },
      { op: 'del', key: `token-hash:${rec.hash}` },
      { op: 'srem', set: 'tokens', member: rec.name },
      ...auditOps(audit),
    ]);
  }

  /** The admin token's hash (HERALD_ADMIN_TOKEN or the one generated at first start). */
  adminHash(): Promise<string | undefined> {
    return this.store.get<string>('admin-token-hash');
  }

  setAdminHash(hash: string): Promise<void> {
    return this.store.set('admin-token-hash', hash);
  }
}

/**
 * Whether the store takes writes. A write the engine refuses for lack of room or a read-only
 * medium (SQLite: SQLITE_FULL, SQLITE_IOERR*, SQLITE_READONLY, or ENOSPC / EDQUOT / EFBIG / EROFS / EIO
 * underneath; Redis: OOM, MISCONF, READONLY) marks the store as failing. From then on every write
 * is refused with 503 `unavailable` before it touches anything, and /readyz fails, until a probe
 * write as large as the smallest write that failed goes through: then the store counts as healthy
 * again. Probes run at most once per PROBE_EVERY_MS, when a write or /readyz asks; while healthy,
 * /readyz probes with a small write unless a write went through within PROBE_EVERY_MS, so a full
 * disk shows before the first write fails.
 */
import { Errors, type HeraldError } from '../errors.js';

/** How long one probe's answer stands (many requests at once share it). */
export const PROBE_EVERY_MS = 1_000;
/** The largest probe (a failed group commit may be far larger than any one write). */
export const PROBE_MAX_BYTES = 1024 * 1024;
/** The probe while healthy: a row like any small record. */
export const PROBE_SMALL_BYTES = 64;

const SQLITE_CODES = /^SQLITE_(FULL|IOERR|READONLY)/;
const ERRNO_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EIO']);
/** Redis error replies that refuse writes: maxmemory reached, a failed RDB save, a replica. */
const REDIS_REPLIES = /^(OOM|MISCONF|READONLY)\b/;

/** The reason, in words, when `err` says the store cannot write; undefined for any other error. */
export function storageFailure(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (SQLITE_CODES.test(code)) return `${code}: ${message.slice(0, 120)}`;
    if (ERRNO_CODES.has(code)) return code;
    if (REDIS_REPLIES.test(message)) return message.slice(0, 120);
    // MULTI/EXEC: the refusal is one of the replies
    const replies = (e as { replies?: unknown }).replies;
    if (Array.isArray(replies)) for (const r of replies) if (r instanceof Error && REDIS_REPLIES.test(r.message)) return r.message.slice(0, 120);
  }
  return undefined;
}

export const storeCannotWrite = (reason: string): HeraldError =>
  Errors.unavailable(`Herald's store cannot take writes right now (${reason}); nothing was changed. Free disk space or memory, then retry.`);

export class WriteHealth {
  private failing?: { reason: string; bytes: number };
  /** when a probe, a failure or a write last answered for the store */
  private lastAt?: number;
  private probing?: Promise<void>;

  /** `probe(bytes)` writes a row of about that size, bypassing the gate (it is the way back). */
  constructor(private readonly probe: (bytes: number) => Promise<void>) {}

  /** Why writes are refused, or undefined. */
  get reason(): string | undefined {
    return this.failing?.reason;
  }

  /** Before a write: throws 503 `unavailable` while the store is failing and a probe does not prove otherwise. */
  async admit(): Promise<void> {
    if (!this.failing) return;
    await this.check();
    if (this.failing) throw storeCannotWrite(this.failing.reason);
  }

  /** For /readyz: probes (at most once per PROBE_EVERY_MS) and answers why writes fail, or undefined. */
  async status(): Promise<string | undefined> {
    await this.check();
    return this.failing?.reason;
  }

  /** A write failed: when for lack of room, remember it and answer the 503 to throw instead. */
  failed(err: unknown, bytes: number): HeraldError | undefined {
    const reason = storageFailure(err);
    if (!reason) return undefined;
    const least = Math.min(bytes, this.failing?.bytes ?? Number.POSITIVE_INFINITY, PROBE_MAX_BYTES);
    this.failing = { reason, bytes: least };
    this.lastAt = Date.now();
    return storeCannotWrite(reason);
  }

  /** A write of `bytes` went through: at least as large as the smallest that failed, the store is healthy again. */
  succeeded(bytes: number): void {
    if (this.failing && bytes >= this.failing.bytes) this.failing = undefined;
    // a write that went through answers for the store as well as a probe (no probe queued behind a busy store)
    if (!this.failing) this.lastAt = Date.now();
  }

  private check(): Promise<void> {
    if (this.lastAt !== undefined && Date.now() - this.lastAt < PROBE_EVERY_MS) return Promise.resolve();
    this.probing ??= (async () => {
      const bytes = this.failing?.bytes ?? PROBE_SMALL_BYTES;
      try {
        await this.probe(bytes);
        this.succeeded(bytes);
        this.lastAt = Date.now();
      } catch (err) {
        // a lack of room is recorded by failed(); any other error (Redis away) is the ping's to report
        this.lastAt = storageFailure(err) ? Date.now() : undefined;
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }
}

/**
 * The messages the worker is sending, read once and shared by every delivery of the same publish:
 * a fan-out to 100,000 subscriptions parses its message once a second, not 100,000 times (a 60 KB
 * message parsed per delivery is gigabytes of garbage). Messages never change once written, so the
 * only staleness is a message deleted meanwhile (its topic deleted, its retention over): it is
 * still sent for at most `freshMs`. Concurrent reads of one message share one load; a failed load
 * is not kept. At most `max` messages are held, the least recently used leaves first.
 */
import type { MessageRecord } from '../store/messages.js';

/** Messages held at once: a few publishes in flight at a time. */
export const SHARED_MESSAGES_MAX = 32;
/** How long a read message is used before it is read again (deleted messages stop going out after this). */
export const SHARED_MESSAGE_FRESH_MS = 1_000;

export class SharedMessages {
  private readonly entries = new Map<string, { msg: Promise<MessageRecord | undefined>; at: number }>();

  constructor(
    private readonly load: (id: string) => Promise<MessageRecord | undefined>,
    private readonly max = SHARED_MESSAGES_MAX,
    private readonly freshMs = SHARED_MESSAGE_FRESH_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<MessageRecord | undefined> {
    const now = this.now();
    const hit = this.entries.get(id);
    if (hit && now - hit.at < this.freshMs) {
      // most recently used last
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.msg;
    }
    const entry = { msg: this.load(id), at: now };
    this.entries.delete(id);
    this.entries.set(id, entry);
    entry.msg.then(
      (m) => {
        if (m === undefined && this.entries.get(id) === entry) this.entries.delete(id);
      },
      () => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      },
    );
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(old);
    }
    return entry.msg;
  }

  get size(): number {
    return this.entries.size;
  }
}

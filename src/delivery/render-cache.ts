/**
 * Rendered parts per delivery, kept from the first step to the last: a delivery that waits for its
 * robot, retries or resumes after a part is not rendered again (a 60 KB message renders in about a
 * second on a busy machine). Bounded by an estimate of the text it holds; the oldest entry goes
 * first. A delivery that moves to another instance, or survives a restart, is rendered there once.
 */
import type { MessageRecord } from '../store/messages.js';

/** About this many characters of rendered text are kept (each rendering holds roughly its message's text). */
export const RENDER_CACHE_CHARS = 32 * 1024 * 1024;

export class RenderCache {
  private readonly entries = new Map<string, { parts: unknown[]; size: number }>();
  private size = 0;

  constructor(private readonly maxChars = RENDER_CACHE_CHARS) {}

  get(id: string): unknown[] | undefined {
    return this.entries.get(id)?.parts;
  }

  set(id: string, parts: unknown[], msg: Pick<MessageRecord, 'bodies' | 'subject'>): void {
    this.delete(id);
    const size = 256 + (msg.subject?.length ?? 0) + Math.max(0, ...Object.values(msg.bodies).map((b) => b.length));
    if (size > this.maxChars) return;
    this.entries.set(id, { parts, size });
    this.size += size;
    for (const [old, e] of this.entries) {
      if (this.size <= this.maxChars) break;
      this.entries.delete(old);
      this.size -= e.size;
    }
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.size -= e.size;
  }

  get count(): number {
    return this.entries.size;
  }
}

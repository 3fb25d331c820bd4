/**
 * Cards edited in place: where a platform lets the bot edit what it sent (Adapter.editWindowMs), the
 * message that carried an alert group is remembered per subscription and alert key, and the next
 * state of the same alerts (RESOLVED, or a changed group) edits that message instead of posting a
 * new one. Elsewhere the next state is a new message, as before.
 */
import type { Adapter, Target } from '../../adapters/types.js';
import type { MessageRecord } from '../store/messages.js';
import type { Store } from '../store/store.js';

export interface CardRef {
  platformMessageId: string;
  sentAt: number;
  messageId: string;
  /** how many alerts the card shows: only a state of exactly those alerts may replace it */
  alerts?: number;
}

const key = (subscriptionId: string, alertKey: string) => `card:${subscriptionId}:${alertKey}`;

export class CardRegistry {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private windowOf(adapter: Adapter, target: Target): number {
    return adapter.edit && adapter.editWindowMs ? adapter.editWindowMs(target) : 0;
  }

  /**
   * The card to edit for this message: its alerts are exactly the alerts on one card, sent by this
   * subscription inside the platform's edit window. Otherwise undefined: send a new one (so the
   * resolution of one alert carried by a digest never replaces the digest's other messages).
   */
  async editable(adapter: Adapter, target: Target, msg: MessageRecord): Promise<CardRef | undefined> {
    const window = this.windowOf(adapter, target);
    if (!window || !msg.alertKeys?.length) return undefined;
    const refs = await this.store.getMany<CardRef>(msg.alertKeys.map((k) => key(target.subscriptionId, k)));
    const first = refs[0];
    if (!first || refs.some((r) => r?.platformMessageId !== first.platformMessageId)) return undefined;
    if (first.messageId === msg.id || this.now() - first.sentAt >= window) return undefined;
    if ((first.alerts ?? refs.length) !== new Set(msg.alertKeys).size) return undefined;
    return first;
  }

  /** After a send (or an edit) that the platform confirmed: these alerts are on this card now. */
  async remember(adapter: Adapter, target: Target, msg: MessageRecord, ref: Omit<CardRef, 'messageId'>): Promise<void> {
    const window = this.windowOf(adapter, target);
    if (!window || !msg.alertKeys?.length) return;
    const ttlMs = Math.max(1, ref.sentAt + window - this.now());
    const value: CardRef = { ...ref, messageId: msg.id, alerts: new Set(msg.alertKeys).size };
    await this.store.batch(msg.alertKeys.map((k) => ({ op: 'set' as const, key: key(target.subscriptionId, k), value, ttlMs })));
  }
}

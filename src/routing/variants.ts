/** A message as one delivery carries it: the published message, or the variant its filter chose. */
import type { Draft } from '../publish/draft.js';
import type { DeliveryRecord, MessageRecord, MessageVariant } from '../store/messages.js';

export const variantRecord = (d: Draft, bodies: Record<string, string>): MessageVariant => ({
  subject: d.subject,
  text: d.text ?? bodies.default ?? Object.values(bodies)[0],
  level: d.level,
  mentions: d.mentions,
  attributes: d.attributes,
  bodies,
  ...(d.alertKeys?.length ? { alertKeys: d.alertKeys } : {}),
  ...(d.actions?.length ? { actions: d.actions } : {}),
});

/** The message with the delivery's variant (its subset of alerts) in place of the published text. */
export function messageOf(msg: MessageRecord, d: Pick<DeliveryRecord, 'variant'>): MessageRecord {
  const v = d.variant ? msg.variants?.[d.variant - 1] : undefined;
  return v ? { ...msg, ...v, alertKeys: v.alertKeys, actions: v.actions } : msg;
}

/**
 * A button pressed on one of Herald's template cards (./cards.ts), as DingTalk pushes it over Stream
 * mode: a CALLBACK frame with topic `/v1.0/card/instances/callback` (TOPIC_CARD) whose `data` is
 * `{type: "actionCallback", outTrackId, userId, corpId, spaceType, spaceId, content}`, `content` a JSON
 * string `{cardPrivateData: {actionIds, params}}` carrying the button's callback parameters.
 * The answer goes back in the ACK (`socketCallBackResponse`): card data to write into the card.
 * https://open.dingtalk.com/document/orgapp/event-callback-card
 * (research/platforms-chatops.md, DingTalk cards; dingtalk-stream-sdk-python card_callback.py)
 */
import { z } from 'zod';
import type { InboundAction } from '../types.js';

/** What Herald reads of a card callback; everything else is ignored. */
const callbackData = z.object({
  outTrackId: z.string().min(1).max(256),
  userId: z.string().min(1).max(256),
  spaceType: z.string().optional(),
  spaceId: z.string().min(1).max(256),
  content: z.string().max(16_000),
});

const privateData = z.object({
  cardPrivateData: z.object({
    actionIds: z.array(z.string()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * The pressed button as an InboundAction, or undefined when it is not one of Herald's buttons. The
 * template's buttons send `action` (silence | ack), `token` (the card's `silence_token`) and, for
 * Silence, `duration`: they become the MessageAction value `{herald, t, d}`.
 */
export function toAction(data: string, eventId: string): InboundAction | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  const cb = callbackData.safeParse(parsed);
  if (!cb.success || (cb.data.spaceType !== undefined && cb.data.spaceType !== 'IM_GROUP')) return undefined;
  let content: unknown;
  try {
    content = JSON.parse(cb.data.content);
  } catch {
    return undefined;
  }
  const pd = privateData.safeParse(content);
  const params = pd.success ? (pd.data.cardPrivateData.params ?? {}) : {};
  const action = params.action;
  const token = params.token;
  if ((action !== 'silence' && action !== 'ack') || typeof token !== 'string' || !token) return undefined;
  const value: Record<string, string> = { herald: action, t: token };
  if (action === 'silence' && typeof params.duration === 'string' && params.duration) value.d = params.duration;
  return { protocol: 'dingtalk', eventId, chatId: cb.data.spaceId, userId: cb.data.userId, value };
}

/** The ACK's response: the answer written into the card's `result` variable, the other variables kept. */
export function cardAnswer(text: string): Record<string, unknown> {
  return { cardData: { cardParamMap: { result: text.slice(0, 500) } }, cardUpdateOptions: { updateCardDataByKey: true } };
}

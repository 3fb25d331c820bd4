/**
 * Alerts as interactive cards in app-robot groups (`dingtalk-app:` targets), edited in place when
 * they resolve. `platforms.dingtalk.cardTemplateId` chooses the kind (research/platforms-chatops.md,
 * DingTalk cards):
 * - `StandardCard` (the default, nothing to design): the robot interactive-card API (互动卡片普通版),
 *   POST {apiBase}/v1.0/im/v1.0/robot/interactiveCards/send, updated by cardBizId with
 *   PUT {apiBase}/v1.0/im/robots/interactiveCards. Its buttons open links only: DingTalk does not call
 *   back these cards over Stream mode, so the card carries the Silence… page link.
 *   https://open.dingtalk.com/document/orgapp/robots-send-interactive-cards
 *   https://open.dingtalk.com/document/orgapp/update-the-robot-to-send-interactive-cards
 * - a card-platform template id (互动卡片高级版): POST {apiBase}/v1.0/card/instances/createAndDeliver
 *   with `callbackType: "STREAM"`, updated by outTrackId with PUT {apiBase}/v1.0/card/instances; its
 *   buttons call back through Stream mode (TOPIC_CARD, ./inbound.ts). The template fills Herald's
 *   variables (TEMPLATE_VARIABLES).
 *   https://open.dingtalk.com/document/orgapp/create-and-deliver-cards
 *   https://open.dingtalk.com/document/orgapp/interactive-card-update-interface
 */
import type { HttpResult, MessageAction, OutboundMessage, Outcome, SendContext } from '../types.js';
import { classifyApiFailure, parse } from './app-robot.js';
import { LEVEL_MARKERS } from './render.js';

export const STANDARD_CARD = 'StandardCard';

/** DingTalk documents no edit limit for either card kind; Herald edits for as long as its silence links live. */
export const CARD_EDIT_WINDOW_MS = 7 * 86_400_000;

/** The serialized card data is kept under the group-message API's 15,000 bytes (no card limit is documented). */
export const CARD_MAX_BYTES = 15_000;

/** The default look of the built-in StandardCard samples (DingTalk's own logo media id). */
const STANDARD_LOGO = '@lALPDfJ6V_FPDmvNAfTNAfQ';

/** A card's platformMessageId: `card:std:<cardBizId>` or `card:tpl:<outTrackId>`; any other id is a plain message. */
const CARD_ID = /^card:(std|tpl):([A-Za-z0-9_.-]{1,128})$/;

/** The variables a card-platform template gets (all strings: cardParamMap is Map<String,String>). */
export const TEMPLATE_VARIABLES = ['title', 'markdown', 'status', 'show_actions', 'silence_token', 'silence_url', 'result'] as const;

export interface CardPart {
  kind: 'card';
  /** cardBizId / outTrackId of a new card: stable across retries of the delivery */
  bizId: string;
  title: string;
  markdown: string;
  /** the alert group's state: firing or resolved */
  status: string;
  actions: MessageAction[];
  mentions: { all?: boolean; users?: string[] };
}

export const isCardPart = (p: unknown): p is CardPart => (p as CardPart | undefined)?.kind === 'card';

/** An alert group (Alertmanager, Grafana) in markdown becomes a card; every other message stays a message. */
export function isAlertMessage(msg: OutboundMessage): boolean {
  const { source, status } = msg.attributes;
  return msg.format === 'markdown' && (source === 'alertmanager' || source === 'grafana') && (status === 'firing' || status === 'resolved');
}

/** The card of an alert message, or undefined when it is too large for one card (it goes out as messages). */
export function renderCard(msg: OutboundMessage): CardPart | undefined {
  const part: CardPart = {
    kind: 'card',
    bizId: `herald_${msg.deliveryId}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128),
    title: `${LEVEL_MARKERS[msg.level]} ${(msg.subject || msg.topic).replace(/\s+/g, ' ').trim()}`.slice(0, 200),
    markdown: msg.text,
    status: msg.attributes.status ?? '',
    actions: msg.actions ?? [],
    mentions: { ...(msg.mentions.all ? { all: true } : {}), ...(msg.mentions.users?.length ? { users: msg.mentions.users } : {}) },
  };
  const worst = Math.max(Buffer.byteLength(JSON.stringify(standardCardData(part))), Buffer.byteLength(JSON.stringify(templateParams(part))));
  return worst <= CARD_MAX_BYTES ? part : undefined;
}

/** StandardCard JSON (card-builder format): header, the markdown, a Silence… link button while firing. */
export function standardCardData(part: CardPart): Record<string, unknown> {
  const link = part.actions.find((a) => a.url)?.url;
  const contents: unknown[] = [{ type: 'markdown', text: part.markdown, id: 'markdown_herald' }];
  if (link) {
    contents.push({
      type: 'action',
      id: 'action_herald',
      actions: [
        {
          type: 'button',
          id: 'button_silence',
          label: { type: 'text', text: '🔕 Silence…', id: 'text_silence' },
          actionType: 'openLink',
          url: { all: link },
          status: 'primary',
        },
      ],
    });
  }
  return { config: { autoLayout: true, enableForward: true }, header: { title: { type: 'text', text: part.title }, logo: STANDARD_LOGO }, contents };
}

/** cardParamMap of a template card: TEMPLATE_VARIABLES, strings only. */
export function templateParams(part: CardPart): Record<(typeof TEMPLATE_VARIABLES)[number], string> {
  const token = part.actions.find((a) => typeof a.value.t === 'string')?.value.t ?? '';
  return {
    title: part.title,
    markdown: part.markdown,
    status: part.status,
    show_actions: part.actions.length > 0 ? 'true' : 'false',
    silence_token: token,
    silence_url: part.actions.find((a) => a.url)?.url ?? '',
    result: '',
  };
}

export interface CardApi {
  call(ctx: SendContext, method: 'post' | 'put', path: string, body: string, classify: (res: HttpResult) => Outcome): Promise<Outcome>;
}

const CARD_PERMISSION =
  'the DingTalk app may not send cards: grant it 互动卡片实例写权限 (Card.Instance.Write) and the robot message permission (qyapi_robot_sendmsg) in the developer console';

/** Permission refusals of the card APIs get the card permissions' names. */
function withCardHint(outcome: Outcome): Outcome {
  if (outcome.ok || outcome.kind !== 'permanent' || !/AccessDenied|Forbidden|permission/i.test(String(outcome.code))) return outcome;
  return { ...outcome, message: `${CARD_PERMISSION} (DingTalk: ${outcome.code})` };
}

/** A new card in the group `openConversationId`, sent by `robotCode`. */
export async function sendCard(api: CardApi, ctx: SendContext, templateId: string, robotCode: string, openConversationId: string, part: CardPart): Promise<Outcome> {
  if (templateId === STANDARD_CARD) {
    const sendOptions: Record<string, unknown> = { atAll: !!part.mentions.all };
    if (part.mentions.users?.length) sendOptions.atUserListJson = JSON.stringify(part.mentions.users.map((userId) => ({ userId })));
    const body = { cardTemplateId: STANDARD_CARD, openConversationId, robotCode, cardBizId: part.bizId, cardData: JSON.stringify(standardCardData(part)), sendOptions };
    const outcome = await api.call(ctx, 'post', '/v1.0/im/v1.0/robot/interactiveCards/send', JSON.stringify(body), (res) => {
      const answer = parse(res.body);
      return res.status === 200 && typeof answer?.processQueryKey === 'string' ? { ok: true, platformMessageId: `card:std:${part.bizId}` } : classifyApiFailure(res);
    });
    return withCardHint(outcome);
  }
  const atUserIds = part.mentions.all ? { '@ALL': '@ALL' } : part.mentions.users?.length ? Object.fromEntries(part.mentions.users.map((u) => [u, u])) : undefined;
  const body = {
    cardTemplateId: templateId,
    outTrackId: part.bizId,
    callbackType: 'STREAM',
    cardData: { cardParamMap: templateParams(part) },
    openSpaceId: `dtv1.card//IM_GROUP.${openConversationId}`,
    imGroupOpenSpaceModel: { supportForward: true },
    imGroupOpenDeliverModel: { robotCode, ...(atUserIds ? { atUserIds } : {}) },
    userIdType: 1,
  };
  const outcome = await api.call(ctx, 'post', '/v1.0/card/instances/createAndDeliver', JSON.stringify(body), (res) => {
    if (res.status !== 200) return classifyApiFailure(res);
    const answer = parse(res.body);
    const results = (answer?.result as { deliverResults?: { success?: boolean; errorMsg?: string }[] } | undefined)?.deliverResults ?? [];
    const failed = results.find((r) => r.success === false);
    if (answer?.success === false || failed) {
      return { ok: false, kind: 'permanent', code: 'deliverFailed', message: `DingTalk created the card but could not put it in the group (${String(failed?.errorMsg ?? 'no reason given').slice(0, 200)})` };
    }
    return { ok: true, platformMessageId: `card:tpl:${part.bizId}` };
  });
  return withCardHint(outcome);
}

/** Replaces what a card shows (the RESOLVED state of its alerts); `platformMessageId` says which card and which kind. */
export async function editCard(api: CardApi, ctx: SendContext, platformMessageId: string, payload: unknown): Promise<Outcome> {
  const id = CARD_ID.exec(platformMessageId);
  if (!id) return { ok: false, kind: 'permanent', message: 'DingTalk: this message is not a card, it cannot be edited' };
  if (!isCardPart(payload)) return { ok: false, kind: 'permanent', message: 'DingTalk: only a card can replace a card' };
  const done = (res: HttpResult): Outcome => {
    if (res.status !== 200) return classifyApiFailure(res);
    return parse(res.body)?.success === false ? classifyApiFailure({ ...res, status: 400 }) : { ok: true, platformMessageId };
  };
  const outcome =
    id[1] === 'std'
      ? await api.call(ctx, 'put', '/v1.0/im/robots/interactiveCards', JSON.stringify({ cardBizId: id[2], cardData: JSON.stringify(standardCardData(payload)) }), done)
      : await api.call(
          ctx,
          'put',
          '/v1.0/card/instances',
          JSON.stringify({ outTrackId: id[2], cardData: { cardParamMap: templateParams(payload) }, cardUpdateOptions: { updateCardDataByKey: true } }),
          done,
        );
  return withCardHint(outcome);
}

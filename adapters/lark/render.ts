/**
 * Rendering for the Lark/Feishu custom bot: an interactive card (header colour per level, title,
 * lark_md body) or a plain `text` message, mentions in each one's own syntax, the subscription's
 * keyword always in the content, and numbered parts when the body would pass 20 KB.
 * Shapes: research §2.4; https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 */
import { splitText } from '../shared/split.js';
import type { Level, Mentions, OutboundMessage, Target } from '../types.js';
import { SIGNATURE_FIELDS_BYTES } from './sign.js';

/**
 * Research §2.5: "请求体大小不能超过 20 KB". Whether that is 20 000 or 20 480 bytes is not stated,
 * so we keep to the smaller (Apprise's Feishu plugin keeps 19 985 for the same reason).
 */
export const LARK_MAX_BODY_BYTES = 20_000;

/** Our choice, not Lark's: a card title shows up to 4 lines, and a long subject must not eat the body. */
export const LARK_TITLE_MAX_CHARS = 200;

/**
 * Header `template` per level. The enum (blue, wathet, turquoise, green, yellow, orange, red,
 * carmine, violet, purple, indigo, grey, default) is in the card header docs:
 * https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-components/content-components/title
 */
export const LEVEL_TEMPLATE: Readonly<Record<Level, string>> = {
  info: 'blue',
  success: 'green',
  warning: 'orange',
  error: 'red',
  critical: 'carmine',
};

export interface LarkTextBody {
  msg_type: 'text';
  content: { text: string };
}

export interface LarkCardBody<E = LarkDiv> {
  msg_type: 'interactive';
  /** research §2.4: for `interactive` the card is top-level, not inside `content` */
  card: {
    /** `update_multi`: a shared card, which the app may edit for everyone (app-bot chats, ./chat.ts) */
    config: { wide_screen_mode: boolean; update_multi?: boolean };
    header: { template: string; title: { tag: 'plain_text'; content: string } };
    elements: E[];
  };
}

export interface LarkDiv {
  tag: 'div';
  text: { tag: 'lark_md'; content: string };
}

/** Card 1.0 `action` module: buttons that call back with `value`, or open `url`. */
export interface LarkActions {
  tag: 'action';
  actions: { tag: 'button'; text: { tag: 'plain_text'; content: string }; type: 'default' | 'primary' | 'danger'; value?: Record<string, string>; url?: string }[];
}

/** What `render` returns and `send` signs: a webhook body without `timestamp`/`sign`. */
export type LarkBody = LarkTextBody | LarkCardBody;

/** Open IDs (`ou_…`), user IDs and the like; anything else could break out of the `<at>` tag. */
const MENTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Cards (lark_md) write `<at id=all></at>` / `<at id=ou_x></at>`; text messages write
 * `<at user_id="all">所有人</at>` / `<at user_id="ou_x"></at>` (research §2.4). Lark has no
 * mention by phone number for custom bots, so `mentions.mobiles` is not used.
 */
export function mentionMarkup(mentions: Mentions, format: 'markdown' | 'text'): string {
  const ids = (mentions.users ?? []).filter((id) => MENTION_ID.test(id) && id !== 'all');
  const tags: string[] = [];
  if (format === 'text') {
    if (mentions.all) tags.push('<at user_id="all">所有人</at>');
    for (const id of ids) tags.push(`<at user_id="${id}"></at>`);
  } else {
    if (mentions.all) tags.push('<at id=all></at>');
    for (const id of ids) tags.push(`<at id=${id}></at>`);
  }
  return tags.join(' ');
}

function titleOf(msg: OutboundMessage): string {
  const title = (msg.subject?.trim() || msg.topic).replace(/\s+/g, ' ');
  return title.length > LARK_TITLE_MAX_CHARS ? `${title.slice(0, LARK_TITLE_MAX_CHARS - 1)}…` : title;
}

/** One part's content: the text, the mentions (first part only: one ping per message), the keyword. */
function content(part: string, mentions: string, keyword: string | undefined, subject?: string): string {
  let out = subject ? `${subject}\n${part}` : part;
  if (mentions) out = `${out}\n\n${mentions}`;
  if (keyword && !out.includes(keyword)) out = `${out}\n\n${keyword}`;
  return out;
}

function body(msg: OutboundMessage, title: string, text: string): LarkBody {
  if (msg.format === 'text') return { msg_type: 'text', content: { text } };
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: LEVEL_TEMPLATE[msg.level] ?? 'blue', title: { tag: 'plain_text', content: title } },
      elements: [{ tag: 'div', text: { tag: 'lark_md', content: text } }],
    },
  };
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** Room for the title's part label " (12/34)". */
const TITLE_LABEL_BYTES = 10;

/** Attempts at shrinking the split budget when JSON escaping (`\n`, `"`) makes a part too big. */
const MAX_SHRINK_ROUNDS = 8;

/** Payloads in sending order; several, numbered "(i/n)", when one body would pass the limit. */
export function renderLark(msg: OutboundMessage, target: Target): LarkBody[] {
  const title = titleOf(msg);
  const mentions = mentionMarkup(msg.mentions, msg.format);
  const keyword = target.keyword || undefined;
  // The text message has no title: the subject, when there is one, is its first line.
  const subject = msg.format === 'text' ? msg.subject?.trim() || undefined : undefined;

  // Everything but the text, as if every part carried mentions, keyword and a labelled title.
  const keywordBytes = keyword ? bytes(`\n\n${keyword}`) - 2 : 0;
  const envelope =
    bytes(body(msg, title, content('', mentions, undefined, subject))) +
    keywordBytes +
    SIGNATURE_FIELDS_BYTES +
    TITLE_LABEL_BYTES;
  const room = LARK_MAX_BODY_BYTES - envelope;
  if (room < 1_000) throw new Error(`lark: title, mentions and keyword leave only ${room} bytes for the text`);

  let budget = room;
  for (let round = 0; round < MAX_SHRINK_ROUNDS; round++) {
    const parts = splitText(msg.text, budget);
    const bodies = parts.map((part, i) => {
      const partTitle = parts.length > 1 ? `${title} (${i + 1}/${parts.length})` : title;
      return body(msg, partTitle, content(part, i === 0 ? mentions : '', keyword, subject));
    });
    const largest = Math.max(...bodies.map(bytes)) + SIGNATURE_FIELDS_BYTES;
    if (largest <= LARK_MAX_BODY_BYTES) return bodies;
    // Escaping grew the text past the room: shrink in proportion and split again.
    budget = Math.floor((budget * room) / (largest - envelope)) - 1;
  }
  throw new Error('lark: could not split the message into parts under the 20 KB body limit');
}

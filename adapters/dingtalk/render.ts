/**
 * OutboundMessage → DingTalk custom-robot bodies: `markdown` with a title, or plain `text` when the
 * message is text without a subject; mentions in `at` and written into the text; the subscription's
 * keyword in title and text of every part; `msgUuid` so a retried delivery is not shown twice.
 * https://open.dingtalk.com/document/robots/custom-robot-access (research/platforms-outbound.md §1.1, §1.4)
 */
import { splitText } from '../shared/split.js';
import type { Level, Mentions, OutboundMessage, Target } from '../types.js';

/** "body 大小不合法;solution:请保持大小在 20000bytes 以内" — errcode 460101 above it (research §1.5). */
export const DINGTALK_MAX_BODY_BYTES = 20_000;

/** No documented title limit; a long subject is shortened so the text keeps its room (it is the chat-list preview). */
export const TITLE_MAX_CHARS = 120;

/** Room reserved for the part suffix of the title while measuring the fixed part of a body: " (99/99)". */
const PART_SUFFIX_RESERVE = 99;

/** Budget shrink steps when a part's escaping (quotes, newlines, control characters) made its body too big. */
const MAX_FIT_ROUNDS = 20;
/** Each shrink step takes at least this much off the budget, so the rounds end quickly. */
const MIN_SHRINK = 0.95;

/** Shown first in the title (markdown) or the first line (text): a colour emoji and the level's word. */
export const LEVEL_MARKERS: Record<Level, string> = {
  info: 'ℹ️ [INFO]',
  success: '✅ [SUCCESS]',
  warning: '⚠️ [WARNING]',
  error: '❌ [ERROR]',
  critical: '🚨 [CRITICAL]',
};

/** `at` is honoured by text and markdown (research §1.4). */
export interface DingtalkAt {
  isAtAll?: boolean;
  atMobiles?: string[];
  atUserIds?: string[];
}

export type DingtalkPayload =
  | { msgtype: 'text'; text: { content: string }; at?: DingtalkAt; msgUuid: string }
  | { msgtype: 'markdown'; markdown: { title: string; text: string }; at?: DingtalkAt; msgUuid: string };

export const serializedBytes = (payload: DingtalkPayload): number => Buffer.byteLength(JSON.stringify(payload), 'utf8');

/** Payloads in sending order, each serialized body ≤ DINGTALK_MAX_BODY_BYTES. */
export function renderDingtalk(msg: OutboundMessage, target: Target): DingtalkPayload[] {
  const build = builder(msg, target.keyword);
  const fixed = (i: number, n: number) => serializedBytes(build('', i, n));
  // splitText counts raw UTF-8 bytes; JSON escaping (quotes, newlines, control characters) adds to them.
  let budget = Math.floor((DINGTALK_MAX_BODY_BYTES - fixed(0, PART_SUFFIX_RESERVE)) / escapeRatio(msg.text));
  for (let round = 0; round < MAX_FIT_ROUNDS && budget > 0; round++) {
    const chunks = splitText(msg.text, budget);
    const payloads = chunks.map((chunk, i) => build(chunk, i, chunks.length));
    // How much the worst part's text must shrink for its body to fit.
    const fit = Math.min(
      ...payloads.map((p, i) => {
        const frame = fixed(i, chunks.length);
        const room = DINGTALK_MAX_BODY_BYTES - frame;
        return room / Math.max(room, serializedBytes(p) - frame);
      }),
    );
    if (fit >= 1) return payloads;
    budget = Math.floor(budget * Math.min(fit, MIN_SHRINK));
  }
  throw new Error('DingTalk: the title, mentions and keyword alone leave no room for the text under 20000 bytes');
}

/** Serialized bytes of the text inside a JSON string per raw UTF-8 byte (≥ 1). */
function escapeRatio(text: string): number {
  const raw = Buffer.byteLength(text, 'utf8');
  return raw === 0 ? 1 : Math.max(1, (Buffer.byteLength(JSON.stringify(text), 'utf8') - 2) / raw);
}

type Build = (chunk: string, index: number, total: number) => DingtalkPayload;

function builder(msg: OutboundMessage, keyword: string | undefined): Build {
  const marker = LEVEL_MARKERS[msg.level];
  const at = atOf(msg.mentions);
  const mentionLine = mentionText(msg.mentions);
  const uuid = (i: number, n: number) => (n === 1 ? msg.deliveryId : `${msg.deliveryId}-${i + 1}`);
  // Mentions notify once: they go with the first part only.
  const extras = (i: number) => (i === 0 ? { mention: mentionLine ? `\n\n${mentionLine}` : '', at } : { mention: '', at: undefined });

  if (msg.format === 'text' && !msg.subject) {
    return (chunk, i, n) => {
      const { mention, at } = extras(i);
      const head = withKeyword(marker, chunk, keyword);
      return withAt({ msgtype: 'text', text: { content: `${head} ${chunk}${mention}` }, msgUuid: uuid(i, n) }, at);
    };
  }
  const subject = shorten(msg.subject || msg.topic, TITLE_MAX_CHARS);
  const title = withKeyword(marker, subject, keyword) + ` ${subject}`;
  return (chunk, i, n) => {
    const { mention, at } = extras(i);
    const partTitle = n > 1 ? `${title} (${i + 1}/${n})` : title;
    const text = `### ${title}\n\n${chunk}${mention}`;
    return withAt({ msgtype: 'markdown', markdown: { title: partTitle, text }, msgUuid: uuid(i, n) }, at);
  };
}

/** The marker, followed by `keyword:` when `content` lacks the keyword (DingTalk "custom keyword" security). */
function withKeyword(marker: string, content: string, keyword: string | undefined): string {
  return keyword && !content.includes(keyword) ? `${marker} ${keyword}:` : marker;
}

function withAt<P extends DingtalkPayload>(payload: P, at: DingtalkAt | undefined): P {
  return at ? { ...payload, at } : payload;
}

function atOf(m: Mentions): DingtalkAt | undefined {
  const at: DingtalkAt = {};
  if (m.all) at.isAtAll = true;
  if (m.mobiles?.length) at.atMobiles = unique(m.mobiles);
  if (m.users?.length) at.atUserIds = unique(m.users);
  return Object.keys(at).length > 0 ? at : undefined;
}

/** "@13800001111 @user001": the @ renders inline only when the text carries it (research §1.4). */
function mentionText(m: Mentions): string {
  return [...unique(m.mobiles ?? []), ...unique(m.users ?? [])].map((x) => `@${x}`).join(' ');
}

const unique = (xs: string[]): string[] => [...new Set(xs.filter((x) => x.length > 0))];

function shorten(s: string, maxChars: number): string {
  const chars = [...s.replace(/\s+/g, ' ').trim()];
  return chars.length <= maxChars ? chars.join('') : `${chars.slice(0, maxChars - 1).join('')}…`;
}

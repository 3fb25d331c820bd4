/**
 * OutboundMessage → WeCom group-robot bodies. `markdown` by default: the level in a WeCom font colour
 * and the subject in bold on the first line, user mentions as `<@userid>`. `text` when the message is
 * text, or when it must @ a phone number or everyone: only text's `mentioned_list` /
 * `mentioned_mobile_list` can do that. Over-long content is split into numbered parts.
 * https://developer.work.weixin.qq.com/document/path/91770 (research/platforms-outbound.md §3.2, §3.4)
 */
import { splitText } from '../shared/split.js';
import { markdownToText } from '../shared/plain-text.js';
import type { Level, Mentions, OutboundMessage } from '../types.js';

/** text.content: at most 2048 bytes of UTF-8, longer is errcode 40058, not truncated (research §3.2, §3.4). */
export const WECOM_TEXT_MAX_BYTES = 2048;
/** markdown.content: at most 4096 bytes of UTF-8 (research §3.2; 40058 observed above it, §3.4). */
export const WECOM_MARKDOWN_MAX_BYTES = 4096;
/** No documented subject limit: a long one is shortened so the body keeps its room in every part. */
export const SUBJECT_MAX_CHARS = 120;
/** Below this many bytes per part, markdown `<@userid>` mentions fall back to text's mentioned_list. */
const MIN_PART_BYTES = 1024;

/** WeCom markdown colours (research §3.2): info = green, comment = grey, warning = orange-red. */
export type FontColor = 'info' | 'comment' | 'warning';
export const LEVEL_STYLES: Record<Level, { color: FontColor; marker: string }> = {
  info: { color: 'comment', marker: 'ℹ️ INFO' },
  success: { color: 'info', marker: '✅ SUCCESS' },
  warning: { color: 'warning', marker: '⚠️ WARNING' },
  error: { color: 'warning', marker: '❌ ERROR' },
  critical: { color: 'warning', marker: '🚨 CRITICAL' },
};

export interface WecomText {
  content: string;
  mentioned_list?: string[];
  mentioned_mobile_list?: string[];
}
export type WecomPayload = { msgtype: 'text'; text: WecomText } | { msgtype: 'markdown'; markdown: { content: string } };

/** Payloads in sending order; each content within its msgtype's byte limit. Mentions go with the first part only. */
export function renderWecom(msg: OutboundMessage): WecomPayload[] {
  const users = clean(msg.mentions.users);
  const mobiles = clean(msg.mentions.mobiles);
  const needsLists = Boolean(msg.mentions.all) || mobiles.length > 0;
  const subject = shorten(msg.subject || msg.topic);
  if (msg.format === 'markdown' && !needsLists) {
    const parts = renderMarkdown(msg, subject, users);
    if (parts) return parts;
  }
  return renderText(msg, subject, msg.mentions, users, mobiles);
}

function renderMarkdown(msg: OutboundMessage, subject: string, users: string[]): WecomPayload[] | undefined {
  const { color, marker } = LEVEL_STYLES[msg.level];
  const head = `<font color="${color}">${marker}</font> **${subject.replace(/\*/g, '＊')}**`;
  // `<@userid>` in markdown content notifies the user (research §3.2: "Mentions only via <@userid>").
  const mention = users.length ? `\n\n${users.map((u) => `<@${u}>`).join(' ')}` : '';
  const budget = WECOM_MARKDOWN_MAX_BYTES - bytes(`${head}\n\n`) - bytes(mention);
  if (budget < MIN_PART_BYTES) return undefined;
  return splitText(msg.text, budget).map((chunk, i) => ({
    msgtype: 'markdown',
    markdown: { content: join(head, chunk) + (i === 0 ? mention : '') },
  }));
}

function renderText(msg: OutboundMessage, subject: string, m: Mentions, users: string[], mobiles: string[]): WecomPayload[] {
  const head = `${LEVEL_STYLES[msg.level].marker} ${subject}`;
  const mentioned = [...users, ...(m.all ? ['@all'] : [])];
  const budget = WECOM_TEXT_MAX_BYTES - bytes(`${head}\n\n`);
  const body = msg.format === 'markdown' ? markdownToText(msg.text) : msg.text;
  return splitText(body, budget).map((chunk, i) => {
    const text: WecomText = { content: join(head, chunk) };
    if (i === 0 && mentioned.length) text.mentioned_list = mentioned;
    if (i === 0 && mobiles.length) text.mentioned_mobile_list = mobiles;
    return { msgtype: 'text', text };
  });
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

const join = (head: string, chunk: string): string => (chunk ? `${head}\n\n${chunk}` : head);

/** One line, at most SUBJECT_MAX_CHARS code points. */
function shorten(s: string): string {
  const line = [...s.replace(/\s+/g, ' ').trim()];
  return line.length > SUBJECT_MAX_CHARS ? `${line.slice(0, SUBJECT_MAX_CHARS - 1).join('')}…` : line.join('');
}

/** Trimmed, non-empty, de-duplicated; `<`/`>` removed so an id cannot break out of `<@userid>`. */
function clean(ids: string[] | undefined): string[] {
  return [...new Set((ids ?? []).map((s) => s.replace(/[<>\s]/g, '')).filter(Boolean))];
}

/**
 * OutboundMessage → Telegram sendMessage bodies in HTML parse mode: the level and the subject in
 * bold on the first line, mentions after it, then the message converted from markdown to the tags
 * Telegram knows (<b> <i> <s> <code> <pre> <a> <blockquote>). Every other `<`, `>` and `&` is
 * escaped as Telegram asks. A part is at most 4096 characters as Telegram counts them: the text
 * after its entities are parsed (core.telegram.org/bots/api#sendmessage, #html-style; README.md).
 */
import { fitParts, oneLine } from '../shared/fit.js';
import { LEVEL_EMOJI, levelWord } from '../shared/levels.js';
import { type Dialect, renderMarkdown } from '../shared/markdown.js';
import type { OutboundMessage } from '../types.js';

/** "Text of the message to be sent, 1-4096 characters after entities parsing". */
export const TEXT_MAX_CHARS = 4096;
const SUBJECT_MAX_CHARS = 200;
const MAX_MENTIONS = 50;

export interface TelegramPayload {
  chat_id: string;
  message_thread_id?: number;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: boolean };
}

/** "All <, > and & symbols that are not a part of a tag or an HTML entity must be replaced with the corresponding HTML entities." */
export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, '&quot;');

const html: Dialect = {
  text: escapeHtml,
  strong: (s) => `<b>${s}</b>`,
  em: (s) => `<i>${s}</i>`,
  strike: (s) => `<s>${s}</s>`,
  code: (c) => `<code>${escapeHtml(c)}</code>`,
  link: (href, inner) => (/^(https?:|mailto:)/i.test(href) ? `<a href="${escapeAttr(href)}">${inner || escapeHtml(href)}</a>` : inner),
  image: (src, alt) => (/^https?:/i.test(src) ? `<a href="${escapeAttr(src)}">${escapeHtml(alt || 'image')}</a>` : escapeHtml(alt)),
  heading: (s) => `<b>${s}</b>`,
  fence: (code, lang) => {
    const l = /^[A-Za-z0-9_+-]{1,30}$/.test(lang) ? lang : '';
    return l ? `<pre><code class="language-${l}">${escapeHtml(code)}</code></pre>` : `<pre>${escapeHtml(code)}</pre>`;
  },
  // "blockquote … entities can't be nested": only the outermost quote is one.
  quote: (s, depth) => (depth === 1 ? `<blockquote>${s}</blockquote>` : s),
  hr: '———',
  bullet: (ordered, n) => (ordered ? `${n}. ` : '• '),
  row: (cells) => cells.join(' | '),
};

export const toTelegramHtml = (md: string): string => renderMarkdown(md, html);

/** What Telegram counts: the text once tags are removed and entities decoded, in UTF-16 code units. */
export function visibleLength(htmlText: string): number {
  return htmlText
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot);/g, '_')
    .replace(/&#(x[0-9a-f]+|\d+);/gi, '_').length;
}

/** Numeric ids become inline mentions (tg://user?id=…); usernames are written @name, which Telegram links. */
function mentionLine(msg: OutboundMessage): string {
  const out: string[] = [];
  for (const raw of new Set((msg.mentions.users ?? []).map((u) => u.trim()))) {
    if (out.length >= MAX_MENTIONS) break;
    if (/^\d{1,20}$/.test(raw)) out.push(`<a href="tg://user?id=${raw}">${raw}</a>`);
    else if (/^@?[A-Za-z][A-Za-z0-9_]{3,31}$/.test(raw)) out.push(`@${raw.replace(/^@/, '')}`);
  }
  return out.join(' ');
}

export function renderTelegram(msg: OutboundMessage, chatId: string, threadId?: number): TelegramPayload[] {
  const subject = escapeHtml(oneLine(msg.subject || msg.topic, SUBJECT_MAX_CHARS));
  const head = `${LEVEL_EMOJI[msg.level]} <b>[${levelWord(msg.level)}] ${subject}</b>`;
  const mentions = mentionLine(msg);
  const body = msg.format === 'markdown' ? toTelegramHtml : escapeHtml;
  const build = (chunk: string, i: number): TelegramPayload => {
    const first = i === 0 && mentions ? `${head}\n${mentions}` : head;
    const rendered = chunk.trim() ? body(chunk) : '';
    return {
      chat_id: chatId,
      ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
      text: rendered ? `${first}\n\n${rendered}` : first,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    };
  };
  return fitParts(msg.text, TEXT_MAX_CHARS, build, (p) => visibleLength(p.text));
}

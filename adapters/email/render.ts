/**
 * OutboundMessage → one email: Subject `[LEVEL] subject`, an HTML part (the markdown rendered by
 * markdown-it, raw HTML in the message escaped, under a bar coloured by level) and a plain-text
 * part, a Message-ID made from the delivery id (the same on every retry, so a mail client shows a
 * retried delivery once) and X-Herald-* headers. Email has no length limit to split at.
 */
import { oneLine } from '../shared/fit.js';
import { LEVEL_EMOJI, levelWord } from '../shared/levels.js';
import { markdown } from '../shared/markdown.js';
import { markdownToText } from '../shared/plain-text.js';
import type { Level, OutboundMessage } from '../types.js';

const escapeHtml = (s: string) => markdown().utils.escapeHtml(s);

/** RFC 5322 §2.1.1 asks for lines under 998 characters; a subject is kept short to be read. */
const SUBJECT_MAX_CHARS = 200;

const LEVEL_COLORS: Record<Level, string> = {
  info: '#3498db',
  success: '#2ecc71',
  warning: '#f1c40f',
  error: '#e74c3c',
  critical: '#992d22',
};

export interface EmailPayload {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}

export const emailSubject = (msg: OutboundMessage): string => `[${levelWord(msg.level)}] ${oneLine(msg.subject || msg.topic, SUBJECT_MAX_CHARS)}`;

export function renderEmail(msg: OutboundMessage, to: string[]): EmailPayload[] {
  const subject = emailSubject(msg);
  const bodyHtml = msg.format === 'markdown' ? markdown().render(msg.text) : `<p>${escapeHtml(msg.text).replace(/\n/g, '<br>\n')}</p>`;
  const text = msg.format === 'markdown' ? markdownToText(msg.text) : msg.text;
  const html =
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">' +
    `<div style="border-left:6px solid ${LEVEL_COLORS[msg.level]};padding:4px 12px">` +
    `<h2 style="margin:4px 0">${LEVEL_EMOJI[msg.level]} ${escapeHtml(subject)}</h2>` +
    `<div>${bodyHtml}</div>` +
    `<p style="color:#888;font-size:12px">${escapeHtml(msg.topic)} · ${escapeHtml(msg.createdAt)}</p>` +
    '</div></body></html>';
  return [
    {
      to,
      subject,
      text: `${subject}\n\n${text}\n\n-- \n${msg.topic} · ${msg.createdAt}\n`,
      html,
      messageId: `<${msg.deliveryId.replace(/[^A-Za-z0-9._-]/g, '_')}@herald>`,
      headers: { 'X-Herald-Delivery': msg.deliveryId, 'X-Herald-Topic': msg.topic, 'X-Herald-Level': msg.level },
    },
  ];
}

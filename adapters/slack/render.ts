/**
 * OutboundMessage → Slack incoming-webhook bodies: Block Kit `section` blocks of mrkdwn, and a
 * `text` fallback for notifications. The first section carries the level and the subject (and the
 * mentions); the body follows in sections of at most 3000 characters, up to SECTIONS_PER_MESSAGE
 * per message, more messages when needed. Text is escaped (& < >) as Slack requires.
 * https://api.slack.com/reference/surfaces/formatting, https://api.slack.com/reference/block-kit/blocks (README.md)
 */
import { fitParts, oneLine } from '../shared/fit.js';
import { LEVEL_EMOJI, levelWord } from '../shared/levels.js';
import { type Dialect, renderMarkdown } from '../shared/markdown.js';
import type { OutboundMessage } from '../types.js';

/** "Maximum length for the text in this field is 3000 characters" (section block). */
export const SECTION_MAX_CHARS = 3000;
/** "You can include up to 50 blocks in each message." */
export const MAX_BLOCKS = 50;
/** Body sections per message: with the head block, 11 of the 50 blocks and under 40 000 characters. */
export const SECTIONS_PER_MESSAGE = 10;
/** Subject room in the head section and the fallback. */
const SUBJECT_MAX_CHARS = 150;
/** Mentions sent per message (a section must stay under 3000 characters). */
const MAX_MENTIONS = 50;

export interface SlackText {
  type: 'mrkdwn';
  text: string;
}
export interface SlackSection {
  type: 'section';
  text: SlackText;
}
export interface SlackPayload {
  text: string;
  blocks: SlackSection[];
}

/** "&, <, > … must be replaced with &amp;, &lt; and &gt;" — the only escapes Slack defines. */
export const escapeSlack = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** mrkdwn: *bold* _italic_ ~strike~ `code` ```fence``` <url|text> > quote. */
const mrkdwn: Dialect = {
  text: escapeSlack,
  strong: (s) => (s.trim() ? `*${s}*` : s),
  em: (s) => (s.trim() ? `_${s}_` : s),
  strike: (s) => (s.trim() ? `~${s}~` : s),
  code: (c) => (c ? `\`${escapeSlack(c.replace(/`/g, "'"))}\`` : ''),
  link: (href, inner) => {
    // inside <…|…> a `|` or `>` would end the URL: percent-encode them there
    const url = escapeSlack(href.replace(/\|/g, '%7C').replace(/>/g, '%3E'));
    return /^(https?:|mailto:)/i.test(href) ? `<${url}|${inner || url}>` : inner;
  },
  image: (src, alt) => (/^https?:/i.test(src) ? `<${escapeSlack(src.replace(/\|/g, '%7C'))}|${escapeSlack(alt || 'image')}>` : escapeSlack(alt)),
  heading: (s) => `*${s}*`,
  fence: (code) => `\`\`\`\n${escapeSlack(code.replace(/```/g, "'''"))}\n\`\`\``,
  quote: (s) =>
    s
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n'),
  hr: '───',
  bullet: (ordered, n) => (ordered ? `${n}. ` : '• '),
  row: (cells) => cells.join(' │ '),
};

export function toMrkdwn(md: string): string {
  return renderMarkdown(md, mrkdwn);
}

/** Slack member ids (U…, W…) and group ids (S…) only: anything else cannot be a mention. */
function mentionLine(msg: OutboundMessage): string {
  const ids = [...new Set((msg.mentions.users ?? []).map((u) => u.trim().replace(/^@/, '')))].filter((u) => /^[UWS][A-Z0-9]{2,}$/.test(u));
  const parts = ids.slice(0, MAX_MENTIONS).map((u) => (u.startsWith('S') ? `<!subteam^${u}>` : `<@${u}>`));
  if (msg.mentions.all) parts.unshift('<!channel>');
  return parts.join(' ');
}

export function renderSlack(msg: OutboundMessage): SlackPayload[] {
  const subject = oneLine(msg.subject || msg.topic, SUBJECT_MAX_CHARS);
  const head = `${LEVEL_EMOJI[msg.level]} *${levelWord(msg.level)}* · *${escapeSlack(subject)}*`;
  const mentions = mentionLine(msg);
  const body = msg.format === 'markdown' ? (s: string) => toMrkdwn(s) : escapeSlack;
  // No part labels inside sections: messages are numbered in their head instead.
  const sections = msg.text.trim()
    ? fitParts(msg.text, SECTION_MAX_CHARS, (chunk) => body(chunk), (s) => s.length, { label: () => '' })
    : [];
  const groups: string[][] = [];
  for (let i = 0; i < sections.length; i += SECTIONS_PER_MESSAGE) groups.push(sections.slice(i, i + SECTIONS_PER_MESSAGE));
  if (groups.length === 0) groups.push([]);
  return groups.map((group, i) => {
    const n = groups.length > 1 ? ` (${i + 1}/${groups.length})` : '';
    const first = i === 0 && mentions ? `${head}${n}\n${mentions}` : `${head}${n}`;
    const blocks: SlackSection[] = [first, ...group.filter((s) => s.trim())].map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
    // the fallback is what notifications and screen readers show; mentions in it notify too
    const text = `[${levelWord(msg.level)}] ${escapeSlack(subject)}${n}${i === 0 && mentions ? ` ${mentions}` : ''}`;
    return { text, blocks };
  });
}

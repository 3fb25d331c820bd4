/**
 * OutboundMessage → Teams Workflows webhook bodies: a `message` envelope with one Adaptive Card
 * attachment (the shape the "When a Teams webhook request is received" trigger reads). The card:
 * a container styled by level holding the level and the subject, mentions as `<at>…</at>` with
 * their `msteams.entities`, then the message as TextBlock markdown. Each body ≤ 28 KB as sent.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using (README.md)
 */
import { fitParts, oneLine, utf8 } from '../shared/fit.js';
import { LEVEL_EMOJI, levelWord } from '../shared/levels.js';
import { type Dialect, renderMarkdown } from '../shared/markdown.js';
import type { Level, OutboundMessage } from '../types.js';

/** "The message size limit is 28 KB" for a webhook post; a margin under it, the body measured in UTF-8 bytes. */
export const TEAMS_MAX_BYTES = 27 * 1024;
const SUBJECT_MAX_CHARS = 200;
const MAX_MENTIONS = 20;

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** Container styles and TextBlock colours an Adaptive Card knows (adaptivecards.io schema). */
const LEVEL_STYLE: Record<Level, { style: 'emphasis' | 'good' | 'warning' | 'attention' | 'accent'; color: 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent' }> = {
  info: { style: 'accent', color: 'Accent' },
  success: { style: 'good', color: 'Good' },
  warning: { style: 'warning', color: 'Warning' },
  error: { style: 'attention', color: 'Attention' },
  critical: { style: 'attention', color: 'Attention' },
};

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  weight?: 'Bolder';
  size?: 'Medium';
  color?: string;
  fontType?: 'Monospace';
}
export interface Mention {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}
export interface TeamsPayload {
  type: 'message';
  attachments: {
    contentType: typeof ADAPTIVE_CARD;
    contentUrl: null;
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      type: 'AdaptiveCard';
      version: '1.4';
      body: unknown[];
      msteams: { width: 'Full'; entities?: Mention[] };
    };
  }[];
}

/**
 * Adaptive Card TextBlock markdown: **bold**, _italic_, lists, [links](url); no headings, code,
 * quotes or HTML, and no escape character: text goes as it is (JSON-escaped only).
 */
/** A message's own "<at>…</at>" must not look like a mention tag (it has no entity): a zero-width space breaks it. */
const plain = (s: string): string => s.replace(/<(\/?)at>/gi, '<\u200b$1at>');

const cardMarkdown: Dialect = {
  text: (s) => plain(s),
  strong: (s) => (s.trim() ? `**${s}**` : s),
  em: (s) => (s.trim() ? `_${s}_` : s),
  strike: (s) => s,
  code: (c) => plain(c),
  link: (href, inner) => (/^(https?:|mailto:)/i.test(href) ? `[${inner || href}](${href.replace(/[()\s]/g, encodeURIComponent)})` : inner),
  image: (src, alt) => (/^https?:/i.test(src) ? `[${alt || 'image'}](${src.replace(/[()\s]/g, encodeURIComponent)})` : alt),
  heading: (s) => `**${s}**`,
  fence: (code) =>
    code
      .split('\n')
      .map((l) => `    ${plain(l)}`)
      .join('\n'),
  quote: (s) =>
    s
      .split('\n')
      .map((l) => `│ ${l}`)
      .join('\n'),
  hr: '———',
  bullet: (ordered, n) => (ordered ? `${n}. ` : '- '),
  row: (cells) => cells.join(' | '),
};

export const toCardMarkdown = (md: string): string => renderMarkdown(md, cardMarkdown);

export function renderTeams(msg: OutboundMessage): TeamsPayload[] {
  const { style, color } = LEVEL_STYLE[msg.level];
  const subject = oneLine(msg.subject || msg.topic, SUBJECT_MAX_CHARS);
  // Teams mentions a person by Entra object id or UPN; the name shown is the id itself.
  const ids = [...new Set((msg.mentions.users ?? []).map((u) => u.trim()))].filter((u) => /^[\w.+-]+@[\w.-]+\.\w+$|^[0-9a-f-]{36}$|^\d+:[\w:.-]+$/i.test(u)).slice(0, MAX_MENTIONS);
  const entities: Mention[] = ids.map((id) => ({ type: 'mention', text: `<at>${id}</at>`, mentioned: { id, name: id } }));
  const body = msg.format === 'markdown' ? toCardMarkdown : cardMarkdown.text;
  const build = (chunk: string, i: number): TeamsPayload => {
    const head: TextBlock = { type: 'TextBlock', text: `${LEVEL_EMOJI[msg.level]} **${levelWord(msg.level)}** · ${cardMarkdown.text(subject)}`, wrap: true, weight: 'Bolder', size: 'Medium', color };
    const blocks: unknown[] = [{ type: 'Container', style, bleed: true, items: [head] }];
    if (i === 0 && entities.length) blocks.push({ type: 'TextBlock', text: entities.map((e) => e.text).join(' '), wrap: true });
    if (chunk.trim()) blocks.push({ type: 'TextBlock', text: body(chunk), wrap: true });
    return {
      type: 'message',
      attachments: [
        {
          contentType: ADAPTIVE_CARD,
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: blocks,
            msteams: i === 0 && entities.length ? { width: 'Full', entities } : { width: 'Full' },
          },
        },
      ],
    };
  };
  return fitParts(msg.text, TEAMS_MAX_BYTES, build, (p) => utf8(JSON.stringify(p)));
}

/**
 * The one message a subscription gets when its quiet hours end: the messages held meanwhile, oldest
 * first, each with its subject and text, in as little room as it takes.
 */
import type { Level } from '../../adapters/types.js';
import type { MessageRecord } from '../store/messages.js';

/** Messages shown in full in one digest; the rest are counted. */
export const DIGEST_MAX_SHOWN = 50;
/** Characters of each held message's text in the digest. */
export const DIGEST_TEXT_CHARS = 1_000;

const RANK: Readonly<Record<Level, number>> = { success: 0, info: 1, warning: 2, error: 3, critical: 4 };

export interface HeldDigest {
  subject: string;
  level: Level;
  format: 'markdown' | 'text';
  text: string;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** `held` are the messages as each delivery carried them (variants applied), oldest first. */
export function composeHeldDigest(held: MessageRecord[], protocol: string, timeZone: string): HeldDigest {
  const level = held.reduce<Level>((worst, m) => (RANK[m.level] > RANK[worst] ? m.level : worst), 'info');
  const markdown = held.every((m) => m.format === 'markdown');
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const blocks = held.slice(0, DIGEST_MAX_SHOWN).map((m) => {
    const at = time.format(Date.parse(m.createdAt));
    const head = m.subject ? (markdown ? `**${m.subject}**` : m.subject) : '';
    const body = clip((m.bodies[protocol] ?? m.bodies.default ?? '').trim(), DIGEST_TEXT_CHARS);
    return [`${at} ${head}`.trim(), body].filter(Boolean).join('\n');
  });
  const more = held.length - DIGEST_MAX_SHOWN;
  if (more > 0) blocks.push(`… and ${more} more: see the topic's messages in Herald.`);
  return {
    subject: `Quiet hours: ${held.length} message${held.length === 1 ? '' : 's'} held`,
    level,
    format: markdown ? 'markdown' : 'text',
    text: blocks.join(markdown ? '\n\n---\n\n' : '\n\n'),
  };
}

/**
 * OutboundMessage → Discord execute-webhook bodies: one embed per part (title = level and subject,
 * description = the message in Discord's own markdown, colour by level, the topic in the footer),
 * mentions in `content`, and `allowed_mentions` naming exactly who may be pinged, so an "@everyone"
 * inside a message never pings anyone. Limits: content ≤ 2000, title ≤ 256, description ≤ 4096,
 * all embed text ≤ 6000 characters (README.md, discord.com/developers/docs/resources/message#embed-object-embed-limits).
 */
import { fitParts, oneLine } from '../shared/fit.js';
import { LEVEL_EMOJI, levelWord } from '../shared/levels.js';
import type { Level, OutboundMessage } from '../types.js';

export const CONTENT_MAX_CHARS = 2000;
export const TITLE_MAX_CHARS = 256;
export const DESCRIPTION_MAX_CHARS = 4096;
export const EMBED_TOTAL_MAX_CHARS = 6000;
const FOOTER_MAX_CHARS = 200;
/** user ids are snowflakes: "<@" + 20 digits + "> " ≈ 24 characters, so 50 fit well in content */
const MAX_MENTIONS = 50;

/** Embed colours (integers), by level. */
export const LEVEL_COLORS: Record<Level, number> = {
  info: 0x3498db,
  success: 0x2ecc71,
  warning: 0xf1c40f,
  error: 0xe74c3c,
  critical: 0x992d22,
};

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  timestamp?: string;
  footer: { text: string };
}
export interface DiscordPayload {
  content?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: ('everyone' | 'users' | 'roles')[]; users?: string[] };
}

/** Everything Discord counts toward an embed's 6000 characters. */
export const embedChars = (e: DiscordEmbed): number => e.title.length + e.description.length + e.footer.text.length;

export function renderDiscord(msg: OutboundMessage): DiscordPayload[] {
  const title = oneLine(`${LEVEL_EMOJI[msg.level]} [${levelWord(msg.level)}] ${msg.subject || msg.topic}`, TITLE_MAX_CHARS);
  const footer = oneLine(msg.topic, FOOTER_MAX_CHARS);
  const users = [...new Set((msg.mentions.users ?? []).map((u) => u.trim().replace(/^<@!?|>$/g, '')))].filter((u) => /^\d{5,25}$/.test(u)).slice(0, MAX_MENTIONS);
  const mention = [...(msg.mentions.all ? ['@everyone'] : []), ...users.map((u) => `<@${u}>`)].join(' ');
  // Discord renders markdown in descriptions; plain text only needs its markdown characters escaped.
  const body = msg.format === 'text' ? msg.text.replace(/([\\*_~`|>#[\]()-])/g, '\\$1') : msg.text;
  const build = (chunk: string, i: number): DiscordPayload => ({
    ...(i === 0 && mention ? { content: mention } : {}),
    embeds: [{ title, description: chunk, color: LEVEL_COLORS[msg.level], timestamp: msg.createdAt || undefined, footer: { text: footer } }],
    allowed_mentions: i === 0 ? { parse: msg.mentions.all ? ['everyone'] : [], users } : { parse: [] },
  });
  const measure = (p: DiscordPayload): number => Math.max(p.embeds[0]!.description.length, embedChars(p.embeds[0]!) - (EMBED_TOTAL_MAX_CHARS - DESCRIPTION_MAX_CHARS));
  return fitParts(body, DESCRIPTION_MAX_CHARS, build, measure);
}

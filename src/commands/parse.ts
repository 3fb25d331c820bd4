/**
 * Turns what a person typed to the bot into a command: mentions stripped, the command word and its
 * aliases recognised (with or without a leading slash), the reply language taken from the words used.
 */
import { ALERT_ALIASES, type AlertCommandName } from '../alerts/commands.js';
import { ROUTING_ALIASES, type RoutingCommandName } from '../routing/commands.js';

export type CommandName = 'subscribe' | 'unsubscribe' | 'list' | 'help' | AlertCommandName | RoutingCommandName;
export type Lang = 'en' | 'zh';

export interface ParsedCommand {
  name: CommandName;
  /** the words after the command word */
  args: string[];
  lang: Lang;
}

export type ParseResult = { ok: true; command: ParsedCommand } | { ok: false; lang: Lang; word: string };

/** Every spelling of every command; English words match case-insensitively. */
export const ALIASES: Readonly<Record<CommandName, readonly string[]>> = {
  subscribe: ['subscribe', 'sub', '订阅'],
  unsubscribe: ['unsubscribe', 'unsub', '退订', '取消订阅'],
  list: ['list', 'ls', '列表'],
  help: ['help', '?', '帮助'],
  ...ALERT_ALIASES,
  ...ROUTING_ALIASES,
};

const BY_WORD = new Map<string, { name: CommandName; lang: Lang }>();
for (const [name, words] of Object.entries(ALIASES) as [CommandName, readonly string[]][]) {
  for (const w of words) BY_WORD.set(w, { name, lang: /[\u3400-\u9fff]/.test(w) ? 'zh' : 'en' });
}

/** A leading "@Name" (ASCII or full-width @) that a platform left in the text. */
const LEADING_MENTION = /^[@＠]\S*\s*/u;
/** The slash (ASCII or full-width) a command may start with. */
const SLASH = /^[/／]/u;
/** A slash command somewhere after a mention whose name had spaces: "@Herald Bot /subscribe x". */
const INNER_SLASH_COMMAND = /\s[/／](\S+)/gu;
const CJK = /[\u3400-\u9fff]/;

/** Removes every leading "@Name" word; platform markup (Lark `@_user_1`, DingTalk's) is removed by the adapters. */
export function stripMentions(text: string): string {
  let out = text.replace(/\u00a0/g, ' ').trim();
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(LEADING_MENTION, '').trim();
  }
  return out;
}

function lookup(word: string): { name: CommandName; lang: Lang } | undefined {
  return BY_WORD.get(word.replace(SLASH, '').toLowerCase());
}

export function parseCommand(raw: string): ParseResult {
  let text = stripMentions(raw);
  let words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, command: { name: 'help', args: [], lang: CJK.test(raw) ? 'zh' : 'en' } };
  if (!lookup(words[0]!)) {
    // "@Herald Bot /subscribe x": the mention had a space in it; start at the first known slash command.
    for (const m of text.matchAll(INNER_SLASH_COMMAND)) {
      if (lookup(m[1]!)) {
        text = text.slice(m.index! + 1);
        words = text.split(/\s+/).filter(Boolean);
        break;
      }
    }
  }
  const found = lookup(words[0]!);
  if (!found) return { ok: false, lang: CJK.test(text) ? 'zh' : 'en', word: words[0]!.slice(0, 32) };
  return { ok: true, command: { name: found.name, args: words.slice(1), lang: found.lang } };
}

/**
 * The routing commands a group can send the bot: `/mute <topic> <duration>` and `/unmute <topic>`
 * mute this group's subscriptions of a topic (deliveries are recorded `muted`, not sent) and end
 * that; `/list` shows each subscription's filter, quiet hours and mute (describeRouting). Changes go
 * through the group's permission policy (the caller checks it) and the audit trail.
 */
import type { InboundCommand } from '../../adapters/types.js';
import { formatDurationMs, parseDuration } from '../alerts/duration.js';
import type { ParsedCommand } from '../commands/parse.js';
import type { Herald } from '../context.js';
import { MAX_MUTE_MS, muteSubscription, unmuteSubscription } from '../http/routes/subscription-changes.js';
import type { SubscriptionRecord } from '../store/subscriptions.js';
import { TOPIC_NAME } from '../store/topics.js';
import { describeFilter } from './filter.js';
import { isMuted } from './plan.js';
import { describeQuietHours } from './quiet-hours.js';

export const ROUTING_ALIASES = {
  mute: ['mute', '静音', '免打扰'],
  unmute: ['unmute', '取消静音', '取消免打扰'],
} as const;

export type RoutingCommandName = keyof typeof ROUTING_ALIASES;

type Lang = ParsedCommand['lang'];

export interface RoutingCommandDeps {
  h: Herald;
  cmd: InboundCommand;
  c: ParsedCommand & { name: RoutingCommandName };
  /** throws the group's refusal when the sender may not change things */
  checkPermission(): Promise<void>;
  actor: string;
}

const when = (iso: string, timeZone: string) => {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(Date.parse(iso)) + ` (${timeZone})`;
  } catch {
    return iso;
  }
};

const say = {
  muteUsage: { en: 'Usage: /mute <topic> <duration>, e.g. /mute prod-alerts 2h. Durations: 30m, 2h, 1d (at most 366d).', zh: '用法：静音 <主题> <时长>，例如 静音 prod-alerts 2h。时长：30m、2h、1d（最长 366d）。' },
  unmuteUsage: { en: 'Usage: /unmute <topic>.', zh: '用法：取消静音 <主题>。' },
  badTopic: { en: 'That is not a topic name.', zh: '这不是有效的主题名。' },
  notSubscribed: { en: (t: string) => `This group is not subscribed to "${t}"; nothing changed. Send /list to see its subscriptions.`, zh: (t: string) => `本群没有订阅主题「${t}」，未做任何更改。发送 列表 查看本群的订阅。` },
  muted: {
    en: (t: string, d: string, u: string) => `Muted "${t}" for ${d}, until ${u}: its messages are recorded but not sent here. Send /unmute ${t} to end it sooner.`,
    zh: (t: string, d: string, u: string) => `已静音主题「${t}」${d}，至 ${u}：期间消息只记录，不发到本群。发送 取消静音 ${t} 可提前结束。`,
  },
  unmuted: { en: (t: string) => `"${t}" is no longer muted: its messages reach this group again.`, zh: (t: string) => `主题「${t}」已取消静音，消息将恢复发到本群。` },
  notMuted: { en: (t: string) => `"${t}" is not muted here; nothing changed.`, zh: (t: string) => `本群的主题「${t}」没有静音，未做任何更改。` },
};

export async function runRoutingCommand(d: RoutingCommandDeps): Promise<string> {
  const { h, cmd, c } = d;
  const lang: Lang = c.lang;
  const [topic, duration, ...more] = c.args;
  const usage = c.name === 'mute' ? say.muteUsage[lang] : say.unmuteUsage[lang];
  if (!topic || more.length > 0 || (c.name === 'mute') !== (duration !== undefined)) return usage;
  if (!TOPIC_NAME.test(topic)) return say.badTopic[lang];
  let ms: number | undefined;
  if (c.name === 'mute') {
    ms = parseDuration(duration!);
    if (ms === undefined || ms > MAX_MUTE_MS) return usage;
  }
  await d.checkPermission();
  const subs = (await h.subscriptions.listByChat(cmd.protocol, cmd.chatId)).filter((s) => s.topic === topic);
  if (subs.length === 0) return say.notSubscribed[lang](topic);
  if (c.name === 'unmute') {
    const muted = subs.filter((s) => isMuted(s, Date.now()));
    if (muted.length === 0) return say.notMuted[lang](topic);
    for (const s of muted) await unmuteSubscription(h, s, d.actor);
    return say.unmuted[lang](topic);
  }
  const until = Date.now() + ms!;
  for (const s of subs) await muteSubscription(h, s, until, d.actor);
  return say.muted[lang](topic, formatDurationMs(ms!), when(new Date(until).toISOString(), h.config.publish.timeZone));
}

/** One `/list` line: the topic, then what routes to this subscription (filter, quiet hours, mute). */
export function describeRouting(s: SubscriptionRecord, lang: Lang, timeZone: string, now = Date.now()): string {
  const parts: string[] = [];
  const filter = describeFilter(s.filter);
  if (filter) parts.push(lang === 'zh' ? `过滤：${filter}` : `filter: ${filter}`);
  if (s.quietHours) parts.push(lang === 'zh' ? `免打扰时段：${describeQuietHours(s.quietHours)}` : `quiet hours: ${describeQuietHours(s.quietHours)}`);
  if (isMuted(s, now)) parts.push(lang === 'zh' ? `静音至 ${when(s.mutedUntil!, timeZone)}` : `muted until ${when(s.mutedUntil!, timeZone)}`);
  return parts.length ? `${s.topic} (${parts.join('; ')})` : s.topic;
}

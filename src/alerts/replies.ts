/** What the bot says for the alert commands (/silence, /silences, /unsilence, /ack), in English and Chinese. */
import type { Lang } from '../commands/parse.js';

export interface AlertReplyParams {
  alertname?: string;
  duration?: string;
  by?: string;
  id?: string;
  until?: string;
  reason?: string;
  lines?: string[];
}

type Say = (p: AlertReplyParams) => string;

export const alertReplies = {
  silenceUsage: {
    en: () => 'Usage: /silence <alertname> [duration] [label=value …], e.g. /silence HighCPU 2h instance=web-1. Durations: 30m, 2h, 1d.',
    zh: () => '用法：静默 <告警名> [时长] [标签=值 …]，例如 静默 HighCPU 2h instance=web-1。时长：30m、2h、1d。',
  },
  unsilenceUsage: {
    en: () => 'Usage: /unsilence <id> (the id /silences shows).',
    zh: () => '用法：取消静默 <ID>（静默列表 中显示的 ID）。',
  },
  ackUsage: {
    en: () => 'Usage: /ack <alertname>.',
    zh: () => '用法：认领 <告警名>。',
  },
  noAlertmanager: {
    en: () => 'This Herald has no Alertmanager configured (HERALD_ALERTMANAGER_URL), so it cannot silence alerts.',
    zh: () => '此 Herald 未配置 Alertmanager（HERALD_ALERTMANAGER_URL），无法静默告警。',
  },
  silenced: {
    en: (p) => `🔕 ${p.alertname} silenced for ${p.duration} by ${p.by} (until ${p.until}). Id: ${p.id} — send /unsilence ${p.id} to lift it.`,
    zh: (p) => `🔕 ${p.alertname} 已被 ${p.by} 静默 ${p.duration}（至 ${p.until}）。ID：${p.id}，发送 取消静默 ${p.id} 可解除。`,
  },
  silencesEmpty: {
    en: () => 'No silence made through Herald is active for this group.',
    zh: () => '本群没有通过 Herald 创建且生效中的静默。',
  },
  silences: {
    en: (p) => `Active silences:\n${(p.lines ?? []).join('\n')}`,
    zh: (p) => `生效中的静默：\n${(p.lines ?? []).join('\n')}`,
  },
  unknownSilence: {
    en: (p) => `No silence of this group has the id "${p.id}". Send /silences to see them.`,
    zh: (p) => `本群没有 ID 为「${p.id}」的静默。发送 静默列表 查看。`,
  },
  unsilenced: {
    en: (p) => `🔔 The silence of ${p.alertname} (${p.id}) was lifted by ${p.by}.`,
    zh: (p) => `🔔 ${p.by} 已解除 ${p.alertname} 的静默（${p.id}）。`,
  },
  acked: {
    en: (p) => `👀 ${p.alertname} acknowledged by ${p.by}.`,
    zh: (p) => `👀 ${p.alertname} 已由 ${p.by} 认领。`,
  },
  // What a card button answers the person who pressed it (a Lark toast, a DingTalk card's result line).
  buttonUnknown: {
    en: () => "This button is not Herald's, or silences are off.",
    zh: () => '这不是 Herald 的按钮，或未开启静默。',
  },
  buttonExpired: {
    en: () => 'This alert is older than 7 days: silence it in Alertmanager.',
    zh: () => '该告警已超过 7 天：请在 Alertmanager 中静默。',
  },
  buttonForged: {
    en: () => 'This button was not made by this Herald.',
    zh: () => '此按钮不是本 Herald 生成的。',
  },
  buttonNotSubscribed: {
    en: (p) => `This group no longer receives topic "${p.id}".`,
    zh: (p) => `本群已不再接收主题「${p.id}」。`,
  },
  buttonDenied: {
    en: () => 'You may not do this in this group.',
    zh: () => '你无权在本群执行此操作。',
  },
  buttonAcked: {
    en: (p) => `${p.alertname} acknowledged.`,
    zh: (p) => `${p.alertname} 已认领。`,
  },
  buttonPending: {
    en: () => 'Working on it…',
    zh: () => '处理中…',
  },
  buttonSilenced: {
    en: (p) => `${p.alertname} silenced for ${p.duration} (until ${p.until}).`,
    zh: (p) => `${p.alertname} 已静默 ${p.duration}（至 ${p.until}）。`,
  },
} satisfies Record<string, Record<Lang, Say>>;

export type AlertReplyKey = keyof typeof alertReplies;

export const sayAlert = (lang: Lang, key: AlertReplyKey, p: AlertReplyParams = {}): string => alertReplies[key][lang](p);

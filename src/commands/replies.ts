/**
 * Every sentence the bot says in a group, in English and Chinese; the language follows the words
 * the person used (`/subscribe` → English, `订阅` → Chinese). Add a reply here, never inline.
 */
import type { Lang } from './parse.js';

export interface ReplyParams {
  topic?: string;
  topics?: string[];
  userId?: string;
  /** the usage line of a command, e.g. "/subscribe <topic>" */
  usage?: string;
  /** the argument a channel takes after the topic, e.g. "<webhook key>" ("" when none) */
  argument?: string;
  /** a reason Herald or a platform gave, already fit for people */
  reason?: string;
  word?: string;
  protocol?: string;
}

type Say = (p: ReplyParams) => string;

const list = (topics: string[] | undefined) => (topics ?? []).map((t) => `• ${t}`).join('\n');
const arg = (p: ReplyParams) => (p.argument ? ` ${p.argument}` : '');

export const replies = {
  subscribed: {
    en: (p) => `Subscribed: this group now receives the messages of topic "${p.topic}". Send /unsubscribe ${p.topic} to stop.`,
    zh: (p) => `订阅成功：本群将收到主题「${p.topic}」的消息。发送 退订 ${p.topic} 可取消。`,
  },
  alreadySubscribed: {
    en: (p) => `This group is subscribed to "${p.topic}" already; nothing changed.`,
    zh: (p) => `本群已订阅主题「${p.topic}」，无需重复订阅。`,
  },
  unsubscribed: {
    en: (p) => `Unsubscribed: this group no longer receives the messages of "${p.topic}".`,
    zh: (p) => `已退订：本群不再接收主题「${p.topic}」的消息。`,
  },
  notSubscribed: {
    en: (p) => `This group is not subscribed to "${p.topic}"; nothing changed. Send /list to see its subscriptions.`,
    zh: (p) => `本群没有订阅主题「${p.topic}」，未做任何更改。发送 列表 查看本群的订阅。`,
  },
  unknownTopic: {
    en: (p) => `There is no topic named "${p.topic}". Check the spelling, or ask a Herald admin to create it (POST /v1/topics).`,
    zh: (p) => `不存在名为「${p.topic}」的主题。请检查拼写，或请 Herald 管理员先创建该主题。`,
  },
  badTopicName: {
    en: (p) => `"${p.topic}" is not a topic name: names are letters, digits, "-" and "_", starting with a letter or digit.`,
    zh: (p) => `「${p.topic}」不是有效的主题名：只能包含字母、数字、"-" 和 "_"，并以字母或数字开头。`,
  },
  usage: {
    en: (p) => `Usage: ${p.usage}. Send /help for every command.`,
    zh: (p) => `用法：${p.usage}。发送 帮助 查看全部命令。`,
  },
  deniedAdmins: {
    en: () => 'Only the owner and the admins of this group may subscribe or unsubscribe it.',
    zh: () => '只有群主和群管理员可以为本群订阅或退订。',
  },
  deniedAllowlist: {
    en: (p) =>
      `You are not on the list of people who may subscribe groups. Ask a Herald admin to add your id ${p.userId} to commands.${p.protocol}.users.`,
    zh: (p) => `你不在允许订阅的名单中。请 Herald 管理员把你的 ID ${p.userId} 加入 commands.${p.protocol}.users。`,
  },
  adminCheckFailed: {
    en: () => 'I could not check whether you administer this group (the platform did not answer); please try again in a minute.',
    zh: () => '暂时无法确认你是否为群管理员（平台未响应），请稍后再试。',
  },
  noEndpoint: {
    en: () => 'This chat cannot receive pushes from Herald; add the bot to a group and send the command there.',
    zh: () => '当前会话无法接收 Herald 推送；请把机器人加入群聊后在群里发送命令。',
  },
  refused: {
    en: (p) => `Not done: ${p.reason}`,
    zh: (p) => `未完成：${p.reason}`,
  },
  unavailable: {
    en: () => 'Herald cannot store anything right now (its disk or memory is full) and nothing was changed; please try again later.',
    zh: () => 'Herald 暂时无法写入存储（磁盘或内存已满），未做任何更改；请稍后再试。',
  },
  failed: {
    en: () => 'Something went wrong inside Herald and nothing was changed; please try again, and tell a Herald admin if it keeps failing.',
    zh: () => 'Herald 内部出错，未做任何更改；请重试，若持续失败请联系 Herald 管理员。',
  },
  listEmpty: {
    en: () => 'This group has no subscriptions. Send /subscribe <topic> to add one.',
    zh: () => '本群还没有订阅。发送 订阅 <主题> 添加订阅。',
  },
  list: {
    en: (p) => `This group receives the messages of these topics:\n${list(p.topics)}`,
    zh: (p) => `本群订阅了以下主题：\n${list(p.topics)}`,
  },
  unknownCommand: {
    en: (p) => `I do not know the command "${p.word}". Send /help for what I understand.`,
    zh: (p) => `无法识别命令「${p.word}」。发送 帮助 查看支持的命令。`,
  },
  help: {
    en: (p) =>
      [
        'Herald commands (mention me first):',
        `/subscribe <topic>${arg(p)} (订阅): this group receives the topic's messages`,
        '/unsubscribe <topic> (退订): stop receiving them',
        '/list (列表): the topics this group receives',
        '/silence <alertname> [duration] [label=value …] (静默): silence an alert in Alertmanager',
        '/silences (静默列表), /unsilence <id> (取消静默): the silences made here',
        '/ack <alertname> (认领): tell the group you are on it',
        '/mute <topic> <duration> (静音), /unmute <topic> (取消静音): pause this group\'s messages of a topic',
        '/help (帮助): this text',
      ].join('\n'),
    zh: (p) =>
      [
        'Herald 命令（先 @ 我）：',
        `订阅 <主题>${arg(p)}（/subscribe）：本群接收该主题的消息`,
        '退订 <主题>（/unsubscribe）：不再接收',
        '列表（/list）：本群订阅的主题',
        '静默 <告警名> [时长] [标签=值 …]（/silence）：在 Alertmanager 中静默告警',
        '静默列表（/silences）、取消静默 <ID>（/unsilence）：本群创建的静默',
        '认领 <告警名>（/ack）：告诉大家你在处理',
        '静音 <主题> <时长>（/mute）、取消静音 <主题>（/unmute）：暂停本群接收该主题的消息',
        '帮助（/help）：显示本说明',
      ].join('\n'),
  },
} satisfies Record<string, Record<Lang, Say>>;

export type ReplyKey = keyof typeof replies;

export function say(lang: Lang, key: ReplyKey, params: ReplyParams = {}): string {
  return replies[key][lang](params);
}

/** The usage lines, in the language of the reply. */
export function usageOf(name: 'subscribe' | 'unsubscribe', lang: Lang, argument = ''): string {
  const extra = argument ? ` ${argument}` : '';
  if (name === 'subscribe') return lang === 'zh' ? `订阅 <主题>${extra}` : `/subscribe <topic>${extra}`;
  return lang === 'zh' ? '退订 <主题>' : '/unsubscribe <topic>';
}

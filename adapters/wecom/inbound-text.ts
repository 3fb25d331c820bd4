/**
 * What the WeCom channel says itself (the hub says the rest): how to find a group robot's webhook
 * key, why a key failed its check, and the check message posted through the robot. English or
 * Chinese, following the words the person typed. Never includes the key.
 */
import type { OutboundMessage } from '../types.js';

export type Lang = 'en' | 'zh';

const CJK = /[\u3400-\u9fff]/;
export const isZh = (text: string): boolean => CJK.test(text);

/** research §3.5: the group robot's webhook key is the push credential, pasted by the admin. */
export const HOW_TO_FIND_KEY: Record<Lang, string> = {
  en: [
    "give this group's robot webhook key: /subscribe <topic> <webhook key>.",
    'To find it: open the group settings (… top right) → Group Robot → add a robot (or open the one there) →',
    'copy its webhook URL, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…; the key is the part after key=,',
    'and the whole URL works too. Anyone with the key can post into the group: Herald stores it encrypted.',
  ].join(' '),
  zh: [
    '请附上本群「群机器人」的 Webhook 密钥：订阅 <主题> <webhook key>。',
    '获取方法：群设置（右上角 …）→ 群机器人 → 添加机器人（或打开已有的机器人）→ 复制 Webhook 地址',
    'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…，key= 后面的部分就是密钥，也可以直接发送完整地址。',
    '持有密钥即可向本群发消息，Herald 会加密保存。',
  ].join(''),
};

export type CheckFailure = 'unknownKey' | 'busy' | 'refused' | 'unreachable' | 'notWecom';

const FAILURES: Record<CheckFailure, Record<Lang, (code?: string | number) => string>> = {
  unknownKey: {
    en: () =>
      'WeCom does not know this webhook key (invalid webhook url), so nothing was stored. Copy it again from the group: group settings → Group Robot → the robot → webhook URL.',
    zh: () => '企业微信不认识这个 Webhook 密钥（invalid webhook url），未保存任何内容。请在群设置 → 群机器人 → 该机器人中重新复制 Webhook 地址。',
  },
  busy: {
    en: () => 'this robot is over WeCom\'s limit of 20 messages a minute, so it could not be checked; nothing was stored. Try again in a minute.',
    zh: () => '该机器人已达到企业微信每分钟 20 条的上限，暂时无法校验，未保存任何内容。请一分钟后重试。',
  },
  refused: {
    en: (code) => `WeCom refused Herald's check message through this robot (errcode ${code}), so nothing was stored. Check the key.`,
    zh: (code) => `企业微信拒绝了通过该机器人发送的校验消息（errcode ${code}），未保存任何内容。请检查密钥。`,
  },
  unreachable: {
    en: () => 'Herald could not reach WeCom to check this robot, so nothing was stored. Try again in a minute.',
    zh: () => 'Herald 暂时无法连接企业微信校验该机器人，未保存任何内容。请稍后重试。',
  },
  notWecom: {
    en: () => "that is not a WeCom group robot URL; give the robot's key or its https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… URL.",
    zh: () => '这不是企业微信群机器人的地址；请发送机器人的密钥或其 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… 地址。',
  },
};

export function why(kind: CheckFailure, zh: boolean, code?: string | number): string {
  return FAILURES[kind][zh ? 'zh' : 'en'](code);
}

/** Posted through the robot before the subscription is stored: proof the key reaches this group. */
export function confirmationMessage(topic: string, zh: boolean, at: Date): OutboundMessage {
  const id = `wecom-check-${at.getTime()}`;
  return {
    messageId: id,
    deliveryId: `${id}.0`,
    topic,
    subject: zh ? 'Herald：机器人校验' : 'Herald: robot check',
    text: zh
      ? `Herald 可以通过这个机器人向本群发消息：正在为主题「${topic}」订阅。`
      : `Herald can post to this group through this robot: subscribing it to topic "${topic}".`,
    format: 'markdown',
    level: 'success',
    mentions: {},
    attributes: {},
    createdAt: at.toISOString(),
  };
}

/** The response_url body: plain JSON, markdown (research §3.3, [3p] summary of doc 101138). */
export function replyPayload(text: string): { msgtype: 'markdown'; markdown: { content: string } } {
  return { msgtype: 'markdown', markdown: { content: text } };
}

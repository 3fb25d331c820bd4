/**
 * What the subscription form asks for on each platform, and where a group admin finds each value
 * (from adapters/<platform>/README.md).
 */
export type Protocol = 'dingtalk' | 'lark' | 'wecom' | 'webhook';

export interface PlatformSpec {
  protocol: Protocol;
  name: string;
  /** short line under the platform's name */
  summary: string;
  endpoint: { label: string; placeholder: string; help: string };
  secret?: { label: string; help: string };
  keyword?: { help: string };
  mentions: { all: boolean; users?: string; mobiles?: string };
}

export const PLATFORMS: PlatformSpec[] = [
  {
    protocol: 'dingtalk',
    name: 'DingTalk',
    summary: 'A DingTalk group’s custom robot (自定义机器人).',
    endpoint: {
      label: 'Webhook URL',
      placeholder: 'https://oapi.dingtalk.com/robot/send?access_token=…',
      help: 'In the group: Group Settings → Bots (机器人) → Add Robot → Custom. After choosing its security settings, copy the webhook URL it shows.',
    },
    secret: {
      label: 'Signing secret',
      help: 'Security settings → Sign (加签): the secret starting with SEC. Recommended.',
    },
    keyword: { help: 'Security settings → Custom keywords (自定义关键词): one of them. Herald puts it in every message.' },
    mentions: { all: true, mobiles: 'Phone numbers of group members', users: 'DingTalk userIds' },
  },
  {
    protocol: 'lark',
    name: 'Lark / Feishu',
    summary: 'A Lark or Feishu group’s custom bot.',
    endpoint: {
      label: 'Webhook address',
      placeholder: 'https://open.feishu.cn/open-apis/bot/v2/hook/…',
      help: 'In the group: Settings → Bots → Add Bot → Custom Bot. Lark shows the webhook address once the bot is added (open.feishu.cn or open.larksuite.com).',
    },
    secret: {
      label: 'Signing secret',
      help: 'Security settings → Set signature verification (签名校验): copy the secret.',
    },
    keyword: { help: 'Security settings → Custom keywords: one of them. Herald puts it in every message.' },
    mentions: { all: true, users: 'Open IDs (ou_…) or user IDs' },
  },
  {
    protocol: 'wecom',
    name: 'WeCom',
    summary: 'A WeCom (企业微信) group robot. It has no secret and no keyword.',
    endpoint: {
      label: 'Webhook URL or key',
      placeholder: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
      help: 'In the group chat: settings icon (top right) → Group Robot (群机器人) → Add Group Robot → New. Copy the webhook URL, or just the key after "key=". Later, click the robot in the group to see it again.',
    },
    mentions: { all: true, mobiles: 'Phone numbers', users: 'WeCom userids' },
  },
  {
    protocol: 'webhook',
    name: 'Webhook',
    summary: 'Any HTTPS URL that accepts a JSON POST: Herald’s envelope with the message.',
    endpoint: {
      label: 'URL',
      placeholder: 'https://example.com/hooks/herald',
      help: 'Your receiver’s URL. Herald does not follow redirects: give the final address.',
    },
    secret: {
      label: 'Signing key',
      help: 'Herald signs each delivery with it (X-Herald-Timestamp and X-Herald-Signature headers) so your receiver can check it came from Herald.',
    },
    mentions: { all: false },
  },
];

export const platformName = (protocol: string) => PLATFORMS.find((p) => p.protocol === protocol)?.name ?? protocol;

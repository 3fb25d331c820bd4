/**
 * Every registered adapter against its platform's fake: one row each (adapters/testing/kit.ts says
 * what a row holds). Adding a platform adds its row here and its fake in test/fakes/.
 */
import { startDingtalkFake } from '../../test/fakes/dingtalk-server.js';
import { startDiscordFake } from '../../test/fakes/discord-server.js';
import { startLarkFake } from '../../test/fakes/lark-server.js';
import { startSlackFake } from '../../test/fakes/slack-server.js';
import { type SmtpFake, startSmtpFake } from '../../test/fakes/smtp-server.js';
import { startTeamsFake } from '../../test/fakes/teams-server.js';
import { startTelegramFake } from '../../test/fakes/telegram-server.js';
import type { Received } from '../../test/fakes/types.js';
import { startWebhookFake } from '../../test/fakes/webhook-receiver.js';
import { startWecomFake } from '../../test/fakes/wecom-server.js';
import { type ConformanceRow, conformance } from './kit.js';

const SIGNING_SECRET = `SEC${'ab12'.repeat(16)}`;
const SMTP_FROM = 'herald@relay.example';

/** The head line a reader sees first: level marker and word, then the subject (the topic when none). */
const headLine = (r: Received): string => r.text.split('\n')[0]!;

export const rows: ConformanceRow[] = [
  {
    protocol: 'dingtalk',
    fake: () => startDingtalkFake(),
    // the title (markdown) or the first line (text) starts with the level marker
    levelShown: (r) => (r.body.markdown?.title ?? r.body.text?.content ?? '').split(' ')[0],
    keywords: true,
    badSecretCode: 310000,
    secret: SIGNING_SECRET,
    splits: true,
  },
  {
    protocol: 'lark',
    fake: () => startLarkFake(),
    // the card header's colour template
    levelShown: (r) => r.body.card?.header?.template ?? r.body.msg_type,
    keywords: true,
    badSecretCode: 19021,
    secret: SIGNING_SECRET,
    splits: true,
  },
  {
    protocol: 'wecom',
    fake: () => startWecomFake(),
    // markdown: the coloured marker of the first line; text: its first words
    levelShown: (r) => /<font color="\w+">[^<]*<\/font>/.exec(r.body.markdown?.content ?? '')?.[0] ?? (r.body.text?.content ?? '').split(' ').slice(0, 2).join(' '),
    splits: true,
  },
  {
    protocol: 'webhook',
    fake: () => startWebhookFake(),
    levelShown: (r) => r.body.level,
    badSecretCode: 401,
    secret: 'webhook-signing-key-0123456789',
    splits: false,
  },
  {
    protocol: 'email',
    fake: () => startSmtpFake({ user: 'herald', pass: 'smtp-secret-5d1f0a9b', from: SMTP_FROM }),
    env: (fake) => ({ HERALD_SMTP_URL: (fake as SmtpFake).smtpUrl, HERALD_SMTP_FROM: `Herald <${SMTP_FROM}>` }),
    // the Subject: "[LEVEL] subject"
    levelShown: (r) => String(r.body.subject),
    splits: false,
  },
  {
    protocol: 'slack',
    fake: () => startSlackFake(),
    levelShown: headLine,
    sample: { user: 'U012ABCDEF' },
    splits: true,
  },
  {
    protocol: 'teams',
    fake: () => startTeamsFake(),
    levelShown: headLine,
    sample: { user: 'ops.lead@company.example' },
    splits: true,
  },
  {
    protocol: 'telegram',
    fake: () => startTelegramFake(),
    levelShown: headLine,
    sample: { user: '123456789' },
    splits: true,
  },
  {
    protocol: 'discord',
    fake: () => startDiscordFake(),
    // the embed's colour
    levelShown: (r) => String(r.body.embeds?.[0]?.color),
    sample: { user: '123456789012345678' },
    splits: true,
  },
];

conformance(rows);

/**
 * Every registered adapter against its platform's fake: one row each (adapters/testing/kit.ts says
 * what a row holds). Adding a platform adds its row here and its fake in test/fakes/.
 */
import { startDingtalkFake } from '../../test/fakes/dingtalk-server.js';
import { startLarkFake } from '../../test/fakes/lark-server.js';
import { startWebhookFake } from '../../test/fakes/webhook-receiver.js';
import { startWecomFake } from '../../test/fakes/wecom-server.js';
import { type ConformanceRow, conformance } from './kit.js';

const SIGNING_SECRET = `SEC${'ab12'.repeat(16)}`;

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
];

conformance(rows);

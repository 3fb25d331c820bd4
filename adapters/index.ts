/** The platform registry: adding a platform is one folder in adapters/ and one line here. */
import { dingtalkAdapter } from './dingtalk/index.js';
import { discordAdapter } from './discord/index.js';
import { emailAdapter } from './email/index.js';
import { larkAdapter } from './lark/index.js';
import { slackAdapter } from './slack/index.js';
import { teamsAdapter } from './teams/index.js';
import { telegramAdapter } from './telegram/index.js';
import type { AdapterFactory } from './types.js';
import { webhookAdapter } from './webhook/index.js';
import { wecomAdapter } from './wecom/index.js';

export const adapterFactories: readonly AdapterFactory[] = [
  dingtalkAdapter,
  larkAdapter,
  wecomAdapter,
  webhookAdapter,
  emailAdapter,
  slackAdapter,
  teamsAdapter,
  telegramAdapter,
  discordAdapter,
];

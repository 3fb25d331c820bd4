/**
 * What the alert-lifecycle tests share: a real Alertmanager posting to a Herald whose public URL and
 * Alertmanager are set, the Lark app bot pointed at its local open platform, and one Lark group
 * subscribed to the topic with `/subscribe`.
 */
import { randomBytes } from 'node:crypto';
import { type LarkOpenServer, postLarkCallback, startLarkOpenServer, textEvent } from '../fakes/lark-open-server.js';
import { type RunningAlertmanager, startAlertmanager } from '../helpers/alertmanager.js';
import { ADMIN, startTestHerald, type TestHerald } from '../helpers/herald.js';
import { freePort } from '../helpers/spawn.js';

export const TOPIC = 'prod';
export const APP_ID = 'cli_0123456789abcdef';
export const APP_SECRET = 'app-secret-for-tests-0001';
export const ENCRYPT_KEY = 'encrypt-key-for-tests-0001';
export const TOKEN = 'verification-token-0001';
export const CHAT = 'oc_0123456789abcdef0123456789abcdef';
export const MEMBER = 'ou_member';

export interface AmSilence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface AlertStack {
  h: TestHerald;
  am: RunningAlertmanager;
  lark: LarkOpenServer;
  base: string;
  callback: string;
  /** what MEMBER types in the Lark group */
  say(text: string): ReturnType<typeof postLarkCallback>;
  amSilences(): Promise<AmSilence[]>;
  stop(): Promise<void>;
}

export async function startAlertStack(secretKey: Buffer = randomBytes(32)): Promise<AlertStack> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const callback = `${base}/v1/callbacks/lark`;
  const am = await startAlertmanager({ webhookUrl: `${base}/v1/topics/${TOPIC}/publish`, token: ADMIN });
  const lark = await startLarkOpenServer({
    appId: APP_ID,
    appSecret: APP_SECRET,
    chats: { [CHAT]: { name: 'On-call', ownerId: 'ou_owner', managerIds: [], botIn: true } },
  });
  const h = await startTestHerald({
    env: {
      HERALD_PORT: String(port),
      HERALD_PUBLIC_URL: base,
      HERALD_ALERTMANAGER_URL: am.url,
      HERALD_SECRET_KEY: secretKey.toString('base64'),
      HERALD_LARK_APP_ID: APP_ID,
      HERALD_LARK_APP_SECRET: APP_SECRET,
      HERALD_LARK_ENCRYPT_KEY: ENCRYPT_KEY,
      HERALD_LARK_VERIFICATION_TOKEN: TOKEN,
    },
    config: { platforms: { lark: { apiBase: lark.baseUrl } } },
  });
  const say = (text: string) => postLarkCallback(callback, ENCRYPT_KEY, textEvent({ token: TOKEN, appId: APP_ID, chatId: CHAT, senderOpenId: MEMBER, text }));
  const created = await h.api('POST', '/v1/topics', { name: TOPIC });
  if (created.status !== 201) throw new Error(`could not create the topic: ${JSON.stringify(created.body)}`);
  const reply = lark.nextMessage(CHAT);
  await say(`@_user_1 /subscribe ${TOPIC}`);
  await reply;
  return {
    h,
    am,
    lark,
    base,
    callback,
    say,
    amSilences: async () => (await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[],
    async stop() {
      await am.stop();
      await h.stop();
      await lark.close();
    },
  };
}

/** commands.locale: the bot answers in zh-CN (or English) whatever words were used; `auto` follows the words. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundCommand } from '../../adapters/types.js';
import { loadConfig } from '../../src/config/load.js';
import { ChatCommandHub } from '../../src/commands/hub.js';
import { replies } from '../../src/commands/replies.js';
import { alertReplies } from '../../src/alerts/replies.js';
import { configFile, startTestHerald, type TestHerald, tempDir } from '../helpers/herald.js';

let n = 0;
const cmd = (text: string): InboundCommand => ({
  protocol: 'lark',
  eventId: `loc${++n}`,
  chatId: 'oc_0123456789abcdef0123456789abcdef',
  chatName: 'On-call',
  userId: 'ou_alice',
  text,
  endpoint: 'lark-chat:oc_0123456789abcdef0123456789abcdef',
});

let zh: TestHerald;
let auto: TestHerald;
beforeAll(async () => {
  zh = await startTestHerald({ config: { commands: { locale: 'zh-CN', dingtalk: { allow: 'admins' } } } });
  auto = await startTestHerald();
  for (const h of [zh, auto]) expect((await h.api('POST', '/v1/topics', { name: 'alerts' })).status).toBe(201);
});
afterAll(async () => {
  await zh?.stop();
  await auto?.stop();
});

it('commands.locale zh-CN answers English commands in Chinese, and keeps the protocol policies', async () => {
  const hub = new ChatCommandHub(zh.running.herald, 'lark');
  expect(await hub.run(cmd('/subscribe alerts'))).toBe(replies.subscribed.zh({ topic: 'alerts' }));
  expect(await hub.run(cmd('/list'))).toBe(replies.list.zh({ topics: ['alerts'] }));
  expect(await hub.run(cmd('/frobnicate'))).toContain(replies.unknownCommand.zh({ word: '/frobnicate' }).slice(0, 8));
  expect(zh.running.herald.config.commands.dingtalk).toEqual({ allow: 'admins', users: [] });
});

it('auto (the default) follows the words used', async () => {
  const hub = new ChatCommandHub(auto.running.herald, 'lark');
  expect(auto.running.herald.config.commands.locale).toBe('auto');
  expect(await hub.run(cmd('/subscribe alerts'))).toBe(replies.subscribed.en({ topic: 'alerts' }));
  expect(await hub.run(cmd('订阅 alerts'))).toBe(replies.alreadySubscribed.zh({ topic: 'alerts' }));
});

it('a pressed card button is answered in the commands.locale language (English unless zh-CN)', async () => {
  const press = { protocol: 'lark', eventId: 'b1', chatId: 'oc_x', userId: 'ou_alice', value: { herald: 'silence', t: 'x.y', d: '1h' } };
  expect(await new ChatCommandHub(zh.running.herald, 'lark').action(press)).toEqual({ ok: false, text: alertReplies.buttonUnknown.zh() });
  expect(await new ChatCommandHub(auto.running.herald, 'lark').action(press)).toEqual({ ok: false, text: alertReplies.buttonUnknown.en() });
  expect(new ChatCommandHub(zh.running.herald, 'lark').actionPending()).toBe(alertReplies.buttonPending.zh());
  expect(new ChatCommandHub(auto.running.herald, 'lark').actionPending()).toBe(alertReplies.buttonPending.en());
});

it('an unknown locale stops the start with a clear message', () => {
  const dir = tempDir();
  expect(() => loadConfig({ HERALD_DATA_DIR: dir, HERALD_CONFIG: configFile(dir, { commands: { locale: 'fr' } }) })).toThrow(/commands\.locale/);
});

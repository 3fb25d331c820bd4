/** The command layer driven through ChatCommandHub against a real Herald (SQLite store in a temp dir). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointError, type InboundChannel, type InboundCommand } from '../../adapters/types.js';
import { ChatCommandHub } from '../../src/commands/hub.js';
import { replies } from '../../src/commands/replies.js';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';

const CHAT = 'oc_0123456789abcdef0123456789abcdef';
const OTHER_CHAT = 'oc_fedcba9876543210fedcba9876543210';
let n = 0;

function cmd(text: string, over: Partial<InboundCommand> = {}): InboundCommand {
  return {
    protocol: 'lark',
    eventId: `e${++n}`,
    chatId: CHAT,
    chatName: 'On-call',
    userId: 'ou_alice',
    text,
    endpoint: `lark-chat:${CHAT}`,
    ...over,
  };
}

let t: TestHerald;
const subsOf = async (topic: string) => (await t.api('GET', `/v1/topics/${topic}/subscriptions`)).body.subscriptions as any[];
const auditEntries = async () => (await t.api('GET', '/v1/audit?limit=1000')).body.entries as any[];
const auditCount = async () => (await auditEntries()).length;

beforeAll(async () => {
  t = await startTestHerald({
    config: {
      commands: {
        dingtalk: { allow: 'admins' },
        wecom: { allow: 'allowlist', users: ['bob'] },
      },
    },
  });
  for (const name of ['alerts', 'deploys', 'ops-quiet']) expect((await t.api('POST', '/v1/topics', { name })).status).toBe(201);
});
afterAll(() => t?.stop());

describe('subscribe, list, unsubscribe', () => {
  it('subscribes a group, shows it in the API and the audit log, and lists it', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    expect(await hub.run(cmd('/subscribe alerts'))).toBe(replies.subscribed.en({ topic: 'alerts' }));

    const [sub, ...others] = await subsOf('alerts');
    expect(others).toEqual([]);
    expect(sub).toMatchObject({ protocol: 'lark', source: 'chat', chat: { protocol: 'lark', chatId: CHAT, chatName: 'On-call' } });
    expect(sub.endpoint).not.toContain(CHAT);

    const entries = await auditEntries();
    expect(entries.find((e) => e.target === sub.id)).toMatchObject({ actor: 'chat:lark:ou_alice', action: 'subscription.create' });

    expect(await hub.run(cmd('/subscribe alerts'))).toBe(replies.alreadySubscribed.en({ topic: 'alerts' }));
    expect(await subsOf('alerts')).toHaveLength(1);
    expect(await hub.run(cmd('/list'))).toBe(replies.list.en({ topics: ['alerts'] }));
    expect(await hub.run(cmd('/list', { chatId: OTHER_CHAT }))).toBe(replies.listEmpty.en());
  });

  it('answers in Chinese to the Chinese aliases and unsubscribes with an audit entry', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    expect(await hub.run(cmd('订阅 deploys'))).toBe(replies.subscribed.zh({ topic: 'deploys' }));
    expect(await hub.run(cmd('列表'))).toBe(replies.list.zh({ topics: ['alerts', 'deploys'] }));
    const [sub] = await subsOf('deploys');

    expect(await hub.run(cmd('/退订 deploys', { userId: 'ou_carol' }))).toBe(replies.unsubscribed.zh({ topic: 'deploys' }));
    expect(await subsOf('deploys')).toEqual([]);
    const entries = await auditEntries();
    expect(entries.find((e) => e.target === sub.id && e.action === 'subscription.delete')).toMatchObject({ actor: 'chat:lark:ou_carol' });

    expect(await hub.run(cmd('退订 deploys'))).toBe(replies.notSubscribed.zh({ topic: 'deploys' }));
    expect(await hub.run(cmd('帮助'))).toBe(replies.help.zh({ argument: '' }));
    expect(await hub.run(cmd('/HELP'))).toBe(replies.help.en({ argument: '' }));
  });

  it('strips leading @mentions, also names with spaces and the full-width ＠', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    const chatId = 'oc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const c = (text: string) => cmd(text, { chatId, endpoint: `lark-chat:${chatId}` });
    expect(await hub.run(c('@Herald /subscribe alerts'))).toBe(replies.subscribed.en({ topic: 'alerts' }));
    expect(await hub.run(c('@Herald Bot /list'))).toBe(replies.list.en({ topics: ['alerts'] }));
    expect(await hub.run(c('＠Herald  @ops 取消订阅 alerts'))).toBe(replies.unsubscribed.zh({ topic: 'alerts' }));
    expect(await hub.run(c('@Herald'))).toBe(replies.help.en({ argument: '' }));
  });
});

describe('bad input is answered helpfully and changes nothing', () => {
  it.each([
    ['/subscribe nosuchtopic', replies.unknownTopic.en({ topic: 'nosuchtopic' })],
    ['/unsubscribe nosuchtopic', replies.unknownTopic.en({ topic: 'nosuchtopic' })],
    ['/subscribe', replies.usage.en({ usage: '/subscribe <topic>' })],
    ['订阅', replies.usage.zh({ usage: '订阅 <主题>' })],
    ['/subscribe alerts extra', replies.usage.en({ usage: '/subscribe <topic>' })],
    ['/unsubscribe', replies.usage.en({ usage: '/unsubscribe <topic>' })],
    ['/subscribe ../etc', replies.badTopicName.en({ topic: '../etc' })],
    ['/subscirbe alerts', replies.unknownCommand.en({ word: '/subscirbe' })],
    ['你好', replies.unknownCommand.zh({ word: '你好' })],
  ])('%s', async (text, expected) => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    const chatId = 'oc_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const before = await auditCount();
    expect(await hub.run(cmd(text, { chatId, endpoint: `lark-chat:${chatId}` }))).toBe(expected);
    expect(await auditCount()).toBe(before);
    expect(await t.running.herald.subscriptions.listByChat('lark', chatId)).toEqual([]);
  });

  it('a chat without a push endpoint cannot subscribe', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    expect(await hub.run(cmd('/subscribe alerts', { chatId: 'p2p-1', endpoint: undefined }))).toBe(replies.noEndpoint.en());
    expect(await t.running.herald.subscriptions.listByChat('lark', 'p2p-1')).toEqual([]);
  });
});

describe('who may subscribe', () => {
  const dingCmd = (over: Partial<InboundCommand>) =>
    cmd('/subscribe ops-quiet', { protocol: 'dingtalk', chatId: 'cidA', endpoint: 'https://oapi.dingtalk.com/robot/send?access_token=' + 'a'.repeat(64), ...over });

  it('admins: the platform flag decides, else the channel is asked; a failed check is said so', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'dingtalk');
    expect(await hub.run(dingCmd({ isAdmin: false }))).toBe(replies.deniedAdmins.en());
    expect(await hub.run(dingCmd({}))).toBe(replies.deniedAdmins.en());

    const asked: string[] = [];
    const channel: InboundChannel = {
      async isAdmin(c) {
        asked.push(c.userId);
        if (c.userId === 'flaky') throw new Error('chat API down');
        return c.userId === 'owner';
      },
    };
    hub.attach(channel);
    expect(await hub.run(dingCmd({ userId: 'member' }))).toBe(replies.deniedAdmins.en());
    expect(await hub.run(dingCmd({ userId: 'flaky' }))).toBe(replies.adminCheckFailed.en());
    expect(await t.running.herald.subscriptions.listByChat('dingtalk', 'cidA')).toEqual([]);

    expect(await hub.run(dingCmd({ userId: 'owner' }))).toBe(replies.subscribed.en({ topic: 'ops-quiet' }));
    expect(await hub.run(dingCmd({ userId: 'someone', isAdmin: true, text: '/unsubscribe ops-quiet' }))).toBe(
      replies.unsubscribed.en({ topic: 'ops-quiet' }),
    );
    expect(asked).toEqual(['member', 'flaky', 'owner']);
    // listing is open to everyone
    expect(await hub.run(dingCmd({ userId: 'member', text: '/list' }))).toBe(replies.listEmpty.en());
  });

  it('allowlist: only the listed ids, and the refusal names the id to add', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'wecom');
    const key = 'k'.repeat(36);
    const wecomCmd = (userId: string, text = `/subscribe alerts`) =>
      cmd(text, { protocol: 'wecom', chatId: 'wrChat1', userId, endpoint: key });
    expect(await hub.run(wecomCmd('mallory'))).toBe(replies.deniedAllowlist.en({ userId: 'mallory', protocol: 'wecom' }));
    expect(await t.running.herald.subscriptions.listByChat('wecom', 'wrChat1')).toEqual([]);
    expect(await hub.run(wecomCmd('bob'))).toBe(replies.subscribed.en({ topic: 'alerts' }));
    expect(await hub.run(wecomCmd('mallory', '/unsubscribe alerts'))).toBe(replies.deniedAllowlist.en({ userId: 'mallory', protocol: 'wecom' }));
    expect(await t.running.herald.subscriptions.listByChat('wecom', 'wrChat1')).toHaveLength(1);
    expect(await hub.run(wecomCmd('bob', '/unsubscribe alerts'))).toBe(replies.unsubscribed.en({ topic: 'alerts' }));
  });
});

describe('an argument after the topic goes to the channel (WeCom webhook key)', () => {
  const keyA = 'A'.repeat(8) + '-1111-2222-3333-444444444444';
  const keyB = 'B'.repeat(8) + '-1111-2222-3333-444444444444';
  const channel: InboundChannel = {
    argumentHint: '<webhook key>',
    resolveEndpoint(_cmd, arg) {
      if (arg === undefined) throw new EndpointError('add the group robot webhook key after the topic');
      return arg;
    },
  };
  const wcmd = (text: string) => cmd(text, { protocol: 'wecom', chatId: 'wrChat2', userId: 'bob', endpoint: undefined });

  it('subscribes each key separately and unsubscribes the one named', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'wecom');
    hub.attach(channel);
    expect(await hub.run(wcmd('/subscribe alerts'))).toBe(replies.refused.en({ reason: 'add the group robot webhook key after the topic' }));
    expect(await hub.run(wcmd(`/subscribe alerts ${keyA}`))).toBe(replies.subscribed.en({ topic: 'alerts' }));
    expect(await hub.run(wcmd(`/subscribe alerts ${keyB}`))).toBe(replies.subscribed.en({ topic: 'alerts' }));
    expect(await hub.run(wcmd('/subscribe alerts not/a/key'))).toMatch(/^Not done: /);
    const subs = await subsOf('alerts');
    const mine = subs.filter((s) => s.chat?.chatId === 'wrChat2');
    expect(mine).toHaveLength(2);
    for (const s of mine) expect(JSON.stringify(s)).not.toContain('1111-2222-3333');

    expect(await hub.run(wcmd(`/unsubscribe alerts ${keyA}`))).toBe(replies.unsubscribed.en({ topic: 'alerts' }));
    expect(await t.running.herald.subscriptions.listByChat('wecom', 'wrChat2')).toHaveLength(1);
    expect(await hub.run(wcmd(`/unsubscribe alerts ${keyA}`))).toBe(replies.notSubscribed.en({ topic: 'alerts' }));
    expect(await hub.run(wcmd('/unsubscribe alerts'))).toBe(replies.unsubscribed.en({ topic: 'alerts' }));
    expect(await t.running.herald.subscriptions.listByChat('wecom', 'wrChat2')).toEqual([]);
    expect(await hub.run(wcmd('/help'))).toBe(replies.help.en({ argument: '<webhook key>' }));
  });
});

describe('firstSeen', () => {
  it('is true once per key within the window, per protocol', async () => {
    const lark = new ChatCommandHub(t.running.herald, 'lark');
    const ding = new ChatCommandHub(t.running.herald, 'dingtalk');
    expect(await lark.firstSeen('ev-1', 60_000)).toBe(true);
    expect(await lark.firstSeen('ev-1', 60_000)).toBe(false);
    expect(await lark.firstSeen('ev-2', 60_000)).toBe(true);
    expect(await ding.firstSeen('ev-1', 60_000)).toBe(true);
  });
});

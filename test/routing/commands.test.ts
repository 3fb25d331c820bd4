/** /mute, /unmute and /list's routing details, through ChatCommandHub against a real Herald. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundCommand } from '../../adapters/types.js';
import { ChatCommandHub } from '../../src/commands/hub.js';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';

const CHAT = 'oc_11112222333344445555666677778888';
let n = 0;
const cmd = (text: string, over: Partial<InboundCommand> = {}): InboundCommand => ({
  protocol: 'lark',
  eventId: `r${++n}`,
  chatId: CHAT,
  chatName: 'DBA',
  userId: 'ou_dana',
  text,
  endpoint: `lark-chat:${CHAT}`,
  ...over,
});

let t: TestHerald;
beforeAll(async () => {
  t = await startTestHerald({ config: { publish: { timeZone: 'UTC' }, commands: { wecom: { allow: 'allowlist', users: ['bob'] } } } });
  for (const name of ['db-alerts', 'deploys']) expect((await t.api('POST', '/v1/topics', { name })).status).toBe(201);
});
afterAll(() => t?.stop());

const subOf = async (topic: string) => (await t.api('GET', `/v1/topics/${topic}/subscriptions`)).body.subscriptions[0];

describe('/mute and /unmute', () => {
  it('mutes this group on a topic for a while, records muted deliveries, and unmutes', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    await hub.run(cmd('/subscribe db-alerts'));
    const before = Date.now();
    const reply = await hub.run(cmd('/mute db-alerts 2h'));
    expect(reply).toMatch(/^Muted "db-alerts" for 2h, until \d{4}-\d\d-\d\d, \d\d:\d\d \(UTC\)/);
    const sub = await subOf('db-alerts');
    expect(Date.parse(sub.mutedUntil) - before).toBeGreaterThanOrEqual(7_200_000 - 1_000);
    expect(Date.parse(sub.mutedUntil) - before).toBeLessThanOrEqual(7_200_000 + 1_000);

    const pub = await t.api('POST', '/v1/topics/db-alerts/publish', { message: 'while muted' });
    expect((await t.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0].status).toBe('muted');

    expect(await hub.run(cmd('/list'))).toContain('db-alerts (muted until');
    expect(JSON.stringify((await t.api('GET', '/v1/audit')).body)).toContain('subscription.mute');

    expect(await hub.run(cmd('/unmute db-alerts'))).toBe('"db-alerts" is no longer muted: its messages reach this group again.');
    expect((await subOf('db-alerts')).mutedUntil).toBeUndefined();
    expect(await hub.run(cmd('/unmute db-alerts'))).toBe('"db-alerts" is not muted here; nothing changed.');
  });

  it('answers in Chinese, refuses bad input and topics this group is not on, and checks permission', async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    expect(await hub.run(cmd('静音 db-alerts 30m'))).toMatch(/^已静音主题「db-alerts」30m/);
    expect(await hub.run(cmd('取消静音 db-alerts'))).toBe('主题「db-alerts」已取消静音，消息将恢复发到本群。');
    for (const bad of ['/mute', '/mute db-alerts', '/mute db-alerts soon', '/mute db-alerts 400d', '/mute db-alerts 2h extra', '/unmute']) {
      expect(await hub.run(cmd(bad)), bad).toMatch(/^Usage: \/(un)?mute/);
    }
    expect(await hub.run(cmd('/mute deploys 1h'))).toContain('not subscribed to "deploys"');
    expect((await subOf('db-alerts')).mutedUntil).toBeUndefined();
    const wecom = new ChatCommandHub(t.running.herald, 'wecom');
    expect(await wecom.run(cmd('/mute db-alerts 1h', { protocol: 'wecom', userId: 'mallory' }))).toContain('not on the list');
  });
});

describe('/list', () => {
  it("shows each subscription's filter and quiet hours", async () => {
    const hub = new ChatCommandHub(t.running.herald, 'lark');
    await hub.run(cmd('/subscribe deploys'));
    const sub = await subOf('db-alerts');
    await t.api('PATCH', `/v1/subscriptions/${sub.id}`, { filter: { team: ['db'], level: ['critical', 'error'] }, quietHours: { from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai' } });
    const list = await hub.run(cmd('/list'));
    expect(list).toContain('• db-alerts (filter: level=critical|error; team=db; quiet hours: 22:00-08:00 Asia/Shanghai)');
    expect(list.split('\n')).toContain('• deploys');
    expect(await hub.run(cmd('列表'))).toContain('• db-alerts (过滤：level=critical|error; team=db; 免打扰时段：22:00-08:00 Asia/Shanghai)');
  });
});

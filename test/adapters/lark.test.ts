/** The Lark adapter over real HTTP against the fake Lark server (test/fakes/lark-server.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LARK_DEFAULTS, larkAdapter } from '../../adapters/lark/index.js';
import { LARK_MAX_BODY_BYTES } from '../../adapters/lark/render.js';
import { LEVELS, type OutboundMessage, type Outcome, type SendContext, type Target } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { createLogger } from '../../src/log.js';
import { startLarkFake } from '../fakes/lark-server.js';
import type { FakePlatform, FakeRobotOptions } from '../fakes/types.js';

const log = createLogger({ level: 'error', format: 'json' }, []);
const http = createHttpClient({ timeoutMs: 5_000 });
const adapter = larkAdapter.create({ config: LARK_DEFAULTS, log, http, now: Date.now });
const ctx: SendContext = { http, now: Date.now, log };
let fake: FakePlatform;

beforeAll(async () => {
  fake = await startLarkFake();
});
afterAll(async () => {
  await fake.close();
  await http.close();
});

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'm1',
    deliveryId: 'd1',
    topic: 'ops-alerts',
    text: '**CPU** at 95% on `web-1`',
    format: 'markdown',
    level: 'warning',
    mentions: {},
    attributes: {},
    createdAt: '2026-11-01T00:00:00Z',
    ...over,
  };
}

/** A robot on the fake and the subscription pointing at it. */
function robot(opts: FakeRobotOptions = {}, over: Partial<Target> = {}): Target {
  const r = fake.addRobot(opts);
  return { subscriptionId: 's', endpoint: adapter.normalizeEndpoint(r.endpoint), secret: r.secret, ...over };
}

/** Render, then one attempt per part in order: what the core does when nothing fails. */
async function deliver(msg: OutboundMessage, target: Target, c: SendContext = ctx): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const payload of adapter.render(msg, target)) outcomes.push(await adapter.send(target, payload, c));
  return outcomes;
}

const SECRET = 'examplelarksecret';

describe('lark adapter ↔ fake Lark', () => {
  it('delivers a plain text message', async () => {
    const t = robot({ secret: SECRET });
    expect(await deliver(message({ format: 'text', text: 'backup done' }), t)).toEqual([{ ok: true }]);
    expect(fake.received(t.endpoint)[0]!.body).toMatchObject({ msg_type: 'text', content: { text: 'backup done' } });
  });

  it('delivers a card with the subject as title', async () => {
    const t = robot({ secret: SECRET });
    expect(await deliver(message({ subject: 'Disk full on db-2' }), t)).toEqual([{ ok: true }]);
    const [got] = fake.received(t.endpoint);
    expect(got!.body.card.header.title.content).toBe('Disk full on db-2');
    expect(got!.text).toContain('**CPU** at 95%');
  });

  it.each(LEVELS)('delivers a %s card in its colour', async (level) => {
    const t = robot({ secret: SECRET });
    expect(await deliver(message({ level }), t)).toEqual([{ ok: true }]);
    const colour = { info: 'blue', success: 'green', warning: 'orange', error: 'red', critical: 'carmine' }[level];
    expect(fake.received(t.endpoint)[0]!.body.card.header.template).toBe(colour);
  });

  it('delivers @all and @user in a card and in text', async () => {
    const t = robot();
    const mentions = { all: true, users: ['ou_7d8a6e6df7621556ce0d21922b676706'] };
    expect(await deliver(message({ mentions }), t)).toEqual([{ ok: true }]);
    expect(await deliver(message({ mentions, format: 'text' }), t)).toEqual([{ ok: true }]);
    const [card, text] = fake.received(t.endpoint);
    expect(card!.text).toContain('<at id=all></at> <at id=ou_7d8a6e6df7621556ce0d21922b676706></at>');
    expect(text!.text).toContain('<at user_id="all">所有人</at> <at user_id="ou_7d8a6e6df7621556ce0d21922b676706"></at>');
  });

  it("passes the bot's keyword check with the subscription's keyword", async () => {
    const withKeyword = robot({ keywords: ['herald'] }, { keyword: 'herald' });
    expect(await deliver(message(), withKeyword)).toEqual([{ ok: true }]);
    expect(fake.received(withKeyword.endpoint)[0]!.text).toContain('herald');
    const without = robot({ keywords: ['herald'] });
    expect(await deliver(message(), without)).toMatchObject([{ ok: false, kind: 'permanent', code: 19024 }]);
  });

  it('a wrong secret is permanent 19021 after one attempt', async () => {
    const t = robot({ secret: SECRET }, { secret: 'not-the-secret' });
    const [outcome] = await deliver(message(), t);
    expect(outcome).toMatchObject({ ok: false, kind: 'permanent', code: 19021 });
    expect(!outcome!.ok && outcome!.message).toMatch(/signing secret/);
    expect(fake.rejections(t.endpoint)).toMatchObject([{ code: 19021 }]);
    expect(fake.received(t.endpoint)).toHaveLength(0);
  });

  it('a clock off by more than an hour is refused as 19021', async () => {
    const t = robot({ secret: SECRET });
    const skewed = { ...ctx, now: () => Date.now() - 2 * 3_600_000 };
    expect(await deliver(message(), t, skewed)).toMatchObject([{ ok: false, kind: 'permanent', code: 19021 }]);
  });

  it('an unknown token is permanent', async () => {
    const t: Target = { subscriptionId: 's', endpoint: `${fake.baseUrl}/open-apis/bot/v2/hook/00000000-dead-beef-0000-000000000000` };
    const [outcome] = await deliver(message(), t);
    expect(outcome).toMatchObject({ ok: false, kind: 'permanent', code: 19001 });
    expect(!outcome!.ok && outcome!.message).toMatch(/webhook URL/);
  });

  it('a 60 KB message (CJK + markdown) arrives whole, in ordered parts each under the limit', async () => {
    const t = robot({ secret: SECRET, keywords: ['告警'] }, { keyword: '告警' });
    const blocks: string[] = [];
    for (let i = 0; Buffer.byteLength(blocks.join('\n\n')) < 61_440; i++) {
      blocks.push(
        `### 第 ${i} 节：服务 **web-${i}** 状态`,
        `- 磁盘使用率 *${80 + (i % 20)}%*，详见 [监控面板](https://grafana.example.com/d/${i})\n- 负载 "高" \\ 请值班同学处理`,
        '```bash\n' + `df -h /data${i}\nsystemctl status web-${i}` + '\n```',
      );
    }
    const text = blocks.join('\n\n');
    expect(Buffer.byteLength(text)).toBeGreaterThan(60_000);
    const outcomes = await deliver(message({ text, subject: '每日巡检报告', mentions: { all: true } }), t);
    const got = fake.received(t.endpoint);
    expect(outcomes.length).toBeGreaterThan(3);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(got).toHaveLength(outcomes.length);
    got.forEach((r, i) => {
      expect(Buffer.byteLength(JSON.stringify(r.body))).toBeLessThanOrEqual(LARK_MAX_BODY_BYTES);
      expect(r.body.card.header.title.content).toBe(`每日巡检报告 (${i + 1}/${got.length})`);
      expect(r.body.card.elements[0].text.content).toContain(`(${i + 1}/${got.length})`);
      expect(r.text.includes('<at id=all></at>')).toBe(i === 0);
    });
    // Whole and in order: every line of the original appears, in order, in what the group reads.
    const read = got.map((r) => r.body.card.elements[0].text.content as string).join('\n');
    let from = 0;
    for (const line of text.split('\n').filter((l) => l.trim())) {
      const at = read.indexOf(line, from);
      expect(at, `line missing or out of order: ${line}`).toBeGreaterThanOrEqual(0);
      from = at + line.length;
    }
  });

  it('a body the fake must refuse (over 20 KB, unknown colour) is permanent 9499', async () => {
    const t = robot({ secret: SECRET });
    const huge = { msg_type: 'text', content: { text: '告'.repeat(7_000) } };
    expect(await adapter.send(t, huge, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 9499 });
    const [card] = adapter.render(message(), t) as { card: { header: { template: string } } }[];
    card!.card.header.template = 'pink';
    expect(await adapter.send(t, card, ctx)).toMatchObject({ ok: false, kind: 'permanent', code: 9499 });
    expect(fake.received(t.endpoint)).toHaveLength(0);
  });

  it('over the 5/s limit Lark answers 11232: rate-limited with a retry delay', async () => {
    const t = robot();
    const outcomes = await Promise.all(Array.from({ length: 7 }, () => deliver(message(), t)));
    const flat = outcomes.flat();
    expect(flat.filter((o) => o.ok)).toHaveLength(5);
    expect(flat.filter((o) => !o.ok)).toMatchObject([
      { kind: 'rate-limited', code: 11232, retryAfterMs: 1_000 },
      { kind: 'rate-limited', code: 11232, retryAfterMs: 1_000 },
    ]);
  });

  it("honours a robot's own window (override) and the 9499 \"too many request\" answer", async () => {
    const other = await startLarkFake({ rateLimitAnswer: '9499' });
    try {
      const r = other.addRobot({ rateLimit: { max: 1, perMs: 60_000 } });
      const t: Target = { subscriptionId: 's', endpoint: r.endpoint };
      expect(await deliver(message(), t)).toEqual([{ ok: true }]);
      expect(await deliver(message(), t)).toMatchObject([{ ok: false, kind: 'rate-limited', code: 9499 }]);
    } finally {
      await other.close();
    }
  });

  it('HTTP 500 from failNext is transient; the next attempt succeeds', async () => {
    const t = robot({ secret: SECRET });
    fake.failNext(1);
    const [payload] = adapter.render(message(), t);
    expect(await adapter.send(t, payload, ctx)).toMatchObject({ ok: false, kind: 'transient', code: 500 });
    expect(await adapter.send(t, payload, ctx)).toEqual({ ok: true });
    expect(fake.received(t.endpoint)).toHaveLength(1);
  });

  it('the chat target kind is reserved: a permanent "not available"', async () => {
    const t: Target = { subscriptionId: 's', endpoint: adapter.normalizeEndpoint('lark-chat:oc_a0553eda9014c201e6969b478895c230') };
    const [payload] = adapter.render(message(), t);
    expect(await adapter.send(t, payload, ctx)).toMatchObject({ ok: false, kind: 'permanent', message: expect.stringMatching(/not available/) });
  });
});

/**
 * Secrets never reach a log line, a response, an error message or a metric. A whole scenario runs
 * with every log level captured (winston, in memory, through Herald's own redacting logger):
 * robots with tokens and signing secrets, a signed webhook, a CI token, deliveries that succeed,
 * retry and fail, refused requests — then every captured line and every response is searched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/store/tokens.js';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { keptLog } from '../helpers/log.js';

const { log, lines } = keptLog();

const RIGHT_SECRET = `SEC${'a1b2c3d4'.repeat(8)}`;
const WRONG_SECRET = `SEC${'9f8e7d6c'.repeat(8)}`;
const WEBHOOK_SECRET = 'webhook-signing-secret-0c4f1e';
const WEBHOOK_KEY = 'query-key-8d2a77b1e';
const DEAD_TOKEN = 'd'.repeat(60) + 'beef';

let h: TestHerald;
let ding: FakePlatform;
let rx: Receiver;
const responses: string[] = [];
const secrets: string[] = [ADMIN, hashToken(ADMIN), RIGHT_SECRET, WRONG_SECRET, WEBHOOK_SECRET, WEBHOOK_KEY, DEAD_TOKEN];

/** h.api, recording every status line, header and body it gets back */
async function call(method: string, path: string, body?: unknown, opts?: Parameters<TestHerald['api']>[3]) {
  const r = await h.api(method, path, body, opts);
  const text = `${r.status} ${JSON.stringify([...r.headers])} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`;
  // the one answer that shows a secret, once, by design: the new token
  if (!(method === 'POST' && path === '/v1/tokens' && r.status === 201)) responses.push(`${method} ${path} → ${text}`);
  return r;
}

beforeAll(async () => {
  ding = await startDingtalkFake();
  rx = await startReceiver();
  h = await startTestHerald({ log, config: { delivery: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 20 } } });
});
afterAll(async () => {
  await h.stop();
  await ding.close();
  await rx.close();
});

const tokenOf = (endpoint: string) => new URL(endpoint).searchParams.get('access_token')!;

describe('secrets in logs, responses and metrics', () => {
  it('runs a whole scenario and finds no secret in any line or answer', async () => {
    const good = ding.addRobot({ secret: RIGHT_SECRET });
    const wronged = ding.addRobot({ secret: RIGHT_SECRET });
    const deadEndpoint = `http://127.0.0.1:1/robot/send?access_token=${DEAD_TOKEN}`;
    secrets.push(tokenOf(good.endpoint), tokenOf(wronged.endpoint));

    expect((await call('POST', '/v1/topics', { name: 'ops' })).status).toBe(201);
    const subs = [
      { protocol: 'dingtalk', endpoint: good.endpoint, secret: RIGHT_SECRET },
      { protocol: 'dingtalk', endpoint: wronged.endpoint, secret: WRONG_SECRET },
      { protocol: 'dingtalk', endpoint: deadEndpoint, secret: RIGHT_SECRET },
      { protocol: 'webhook', endpoint: `${rx.url}/hook?key=${WEBHOOK_KEY}`, secret: WEBHOOK_SECRET },
    ];
    const ids: string[] = [];
    for (const s of subs) {
      const r = await call('POST', '/v1/topics/ops/subscriptions', s);
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const ci = (await call('POST', '/v1/tokens', { name: 'ci', scopes: ['publish:ops'] })).body.token as string;
    secrets.push(ci, hashToken(ci));

    rx.failNext(1, 503);
    const first = await call('POST', `/v1/topics/ops/publish?token=${ci}`, 'disk 91% on db-1', { token: null });
    expect(first.status).toBe(202);
    const second = await call('POST', '/v1/topics/ops/publish', { subject: 'deploy', message: 'v2 is out' }, { token: ci });
    expect(second.status).toBe(202);
    for (const m of [first, second]) {
      await waitFor('every delivery to settle', async () => {
        const rec = (await call('GET', `/v1/messages/${m.body.messageId}`)).body;
        return rec.deliveries.length === 4 && rec.deliveries.every((d: any) => d.status !== 'pending') && rec;
      });
    }
    expect(ding.received(good.endpoint)).toHaveLength(2);
    expect(ding.rejections(wronged.endpoint).length).toBeGreaterThan(0);
    expect(rx.hits).toHaveLength(2);

    // refusals that carry secrets in what they were sent
    await call('POST', '/v1/topics/ops/subscriptions', `{"protocol":"dingtalk","endpoint":"${good.endpoint}","secret":"${RIGHT_SECRET}"`, {
      headers: { 'content-type': 'application/json' },
    });
    await call('POST', '/v1/topics/ops/subscriptions', { protocol: 'dingtalk', endpoint: deadEndpoint.replace('/send', '/sendx'), secret: RIGHT_SECRET });
    await call('POST', '/v1/topics/ops/subscriptions', { protocol: 'dingtalk', endpoint: good.endpoint, secret: 12345 });
    await call('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint: `https://10.0.0.1/x?key=${WEBHOOK_KEY}`, secret: WEBHOOK_SECRET });
    await call('POST', '/v1/topics/ops/subscriptions', { protocol: 'dingtalk', endpoint: good.endpoint, secret: RIGHT_SECRET });
    await call('POST', '/v1/topics/ops/subscriptions', { protocol: 'dingtalk', endpoint: good.endpoint, secret: RIGHT_SECRET, extra: 1 });
    await call('GET', '/v1/topics', undefined, { token: `${ci}x` });
    await call('GET', '/v1/topics', undefined, { token: ci });
    await call('POST', '/v1/topics/nope/publish', 'x', { token: ci });

    // everything that can be read back
    await call('GET', '/v1/topics/ops/subscriptions');
    for (const id of ids) await call('GET', `/v1/subscriptions/${id}`);
    await call('POST', `/v1/subscriptions/${ids[1]}/test`);
    await call('POST', `/v1/subscriptions/${ids[2]}/test`);
    await call('GET', '/v1/topics/ops/messages');
    const failed = await call('GET', '/v1/deliveries/failed');
    expect(failed.body.deliveries.length).toBeGreaterThanOrEqual(2);
    await call('POST', `/v1/deliveries/${failed.body.deliveries[0].id}/replay`);
    await call('GET', '/v1/tokens');
    await call('GET', '/v1/audit');
    await call('GET', '/v1/whoami', undefined, { token: ci });
    await call('GET', '/metrics', undefined, { token: null });
    await call('GET', '/readyz', undefined, { token: null });

    expect(lines.length).toBeGreaterThan(20); // the scenario was logged, at every level
    expect(lines.some((l) => /delivery failed/.test(l))).toBe(true);
    const leaks: string[] = [];
    for (const s of secrets) {
      for (const l of lines) if (l.includes(s)) leaks.push(`log: ${s.slice(0, 6)}… in ${l.slice(0, 200)}`);
      for (const r of responses) if (r.split(' → ')[1]!.includes(s)) leaks.push(`response: ${s.slice(0, 6)}… in ${r}`);
    }
    expect(leaks).toEqual([]);
  });

  it('scrubs secrets from values logged by hand: query tokens, Lark hooks, bearer headers, known fields', () => {
    lines.length = 0;
    log.warn('by hand', {
      url: `https://oapi.dingtalk.com/robot/send?access_token=${DEAD_TOKEN}`,
      lark: `https://open.feishu.cn/open-apis/bot/v2/hook/${WEBHOOK_KEY}`,
      header: `Bearer ${ADMIN}`,
      secret: RIGHT_SECRET,
      nested: { endpoint: `${rx.url}/hook?key=${WEBHOOK_KEY}`, err: new Error(`failed for token=${WEBHOOK_SECRET}`) },
    });
    expect(lines).toHaveLength(1);
    for (const s of secrets) expect(lines[0]).not.toContain(s);
    expect(lines[0]).toContain('access_token=***');
  });
});

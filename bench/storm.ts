/**
 * (f) An alert storm: 300 messages published as fast as one client can to a topic with a DingTalk
 * robot, a DingTalk robot with a keyword, a Lark bot, a WeCom robot and a webhook; the platforms'
 * limits scaled to a 3 s window (20 per window for DingTalk and WeCom, 100 per window and 5 per
 * 50 ms for Lark). For each group: how many windows pass after the burst before its last message is
 * visible, whether all 300 are there in publish order, and how often the platform refused. For the
 * webhook: how long its 300 separate deliveries took. Embedded, then (with Redis) two instances.
 *
 * (g) Isolation: a webhook that never answers, with 80 deliveries queued for it, and an unrelated
 * subscription published behind them: how late that one arrives; then SIGTERM with the backlog
 * (delivery.timeoutMs at its default), and how long the process takes to exit.
 */
import { createServer, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startDingtalkFake } from '../test/fakes/dingtalk-server.js';
import { startLarkFake } from '../test/fakes/lark-server.js';
import type { FakePlatform } from '../test/fakes/types.js';
import { startWecomFake } from '../test/fakes/wecom-server.js';
import { startReceiver } from '../test/helpers/receiver.js';
import { benchConfig, type BenchServer, startServer } from './lib/server.js';

export const STORM = 300;
/** clients publishing the burst at once */
const PUBLISHERS = 8;
export const STORM_WINDOW_MS = 3_000;
const TWENTY = { max: 20, perMs: STORM_WINDOW_MS };
const LARK = [{ max: 100, perMs: STORM_WINDOW_MS }, { max: 5, perMs: 50 }];

export interface GroupFigure {
  group: string;
  visible: number;
  inOrder: boolean;
  rejections: number;
  sends: number;
  /** windows after the end of the burst until the last message was visible */
  windows: number;
}

export interface StormResult {
  mode: string;
  burstMs: number;
  groups: GroupFigure[];
  webhookMs: number;
  webhookDeliveries: number;
}

const mark = (i: number) => `storm-${String(i).padStart(3, '0')}-end`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `cpuProf`: a directory for each instance's CPU profile (node --cpu-prof). */
export async function benchStorm(redisUrl?: string, cpuProf?: string): Promise<StormResult> {
  const ding = await startDingtalkFake();
  const lark = await startLarkFake();
  const wecom = await startWecomFake();
  const rx = await startReceiver();
  const robots: { group: string; fake: FakePlatform; endpoint: string; sub: Record<string, unknown> }[] = [];
  const add = (group: string, fake: FakePlatform, opts: Record<string, unknown>, sub: Record<string, unknown> = {}) =>
    robots.push({ group, fake, endpoint: fake.addRobot(opts).endpoint, sub });
  add('DingTalk', ding, { rateLimit: TWENTY });
  add('DingTalk + keyword', ding, { rateLimit: TWENTY, keywords: ['herald'] }, { keyword: 'herald' });
  add('Lark', lark, { rateLimit: LARK[0] });
  add('WeCom', wecom, { rateLimit: TWENTY });
  const config = benchConfig({
    platforms: { dingtalk: { rateLimits: [TWENTY] }, wecom: { rateLimits: [TWENTY] }, lark: { rateLimits: LARK } },
    ...(redisUrl ? { redis: { keyPrefix: `herald-bench-${randomBytes(4).toString('hex')}:` } } : {}),
  });
  const env = redisUrl ? { HERALD_REDIS_URL: redisUrl } : undefined;
  const servers: BenchServer[] = [await startServer({ config, env, cpuProf })];
  if (redisUrl) servers.push(await startServer({ config, env, cpuProf }));
  try {
    const api = servers[0]!.api;
    await api('POST', '/v1/topics', { name: 'storm' });
    for (const r of robots) {
      const res = await api('POST', '/v1/topics/storm/subscriptions', { protocol: r.fake.protocol, endpoint: r.endpoint, ...r.sub });
      if (res.status !== 201) throw new Error(`subscription answered ${res.status}`);
    }
    await api('POST', '/v1/topics/storm/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/storm` });
    // a burst: several clients at once; publish order is the order of the message ids Herald gave
    const ids: string[] = new Array(STORM);
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async (_, c) => {
        for (let i = next++; i < STORM; i = next++) {
          const res = await servers[(i + c) % servers.length]!.api('POST', '/v1/topics/storm/publish', { subject: `Alert ${i}`, message: mark(i), level: i % 2 ? 'critical' : 'success' });
          if (res.status !== 202) throw new Error(`publish answered ${res.status}`);
          ids[i] = res.body.messageId;
        }
      }),
    );
    const order = [...Array(STORM).keys()].sort((x, y) => (ids[x]! < ids[y]! ? -1 : 1));
    const burstEnd = Date.now();
    const groups: GroupFigure[] = [];
    await until('the webhook deliveries', () => rx.hits.length >= STORM, 60_000);
    const webhookMs = Math.max(...rx.hits.map((h) => h.at)) - started;
    for (const r of robots) {
      const text = () => r.fake.received(r.endpoint).map((x) => x.text).join('\n');
      await until(`every message at ${r.group}`, () => {
        const t = text();
        return [...Array(STORM).keys()].every((i) => t.includes(mark(i)));
      }, 20 * STORM_WINDOW_MS).catch(() => {});
      const t = text();
      const at = order.map((i) => t.indexOf(mark(i)));
      const got = r.fake.received(r.endpoint);
      const last = got.length ? Math.max(...got.map((x) => x.at)) : burstEnd;
      groups.push({
        group: r.group,
        visible: at.filter((x) => x >= 0).length,
        inOrder: at.every((x, i) => x >= 0 && (i === 0 || x > at[i - 1]!)),
        rejections: r.fake.rejections(r.endpoint).length,
        sends: got.length,
        windows: Math.max(0, last - burstEnd) / STORM_WINDOW_MS,
      });
    }
    await sleep(300);
    return { mode: redisUrl ? 'Redis, 2 instances' : 'embedded', burstMs: burstEnd - started, groups, webhookMs, webhookDeliveries: new Set(rx.hits.map((h) => h.json.deliveryId)).size };
  } finally {
    for (const s of servers) await s.stop();
    await Promise.all([ding.close(), lark.close(), wecom.close(), rx.close()]);
  }
}

export const BACKLOG = 80;

export interface IsolationResult {
  mode: string;
  unrelatedMs: number;
  sigtermMs: number;
  exitCode: number | null;
}

export async function benchIsolation(redisUrl?: string): Promise<IsolationResult> {
  const hung = new Set<ServerResponse>();
  const hang = createServer((req, res) => {
    req.resume();
    req.on('end', () => hung.add(res));
  });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const hangUrl = `http://127.0.0.1:${(hang.address() as { port: number }).port}/hook`;
  const rx = await startReceiver();
  const config = benchConfig(redisUrl ? { redis: { keyPrefix: `herald-bench-${randomBytes(4).toString('hex')}:` } } : {});
  const server = await startServer({ config, env: redisUrl ? { HERALD_REDIS_URL: redisUrl } : undefined });
  let stopped = false;
  try {
    await server.api('POST', '/v1/topics', { name: 'hang' });
    await server.api('POST', '/v1/topics', { name: 'other' });
    await server.api('POST', '/v1/topics/hang/subscriptions', { protocol: 'webhook', endpoint: hangUrl });
    await server.api('POST', '/v1/topics/other/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/other` });
    for (let i = 0; i < BACKLOG; i++) await server.api('POST', '/v1/topics/hang/publish', { message: `h${i}` });
    await until('the first hanging request', () => hung.size > 0, 10_000);
    const t = Date.now();
    await server.api('POST', '/v1/topics/other/publish', { message: 'unrelated' });
    await until('the unrelated delivery', () => rx.hits.length > 0, 120_000);
    const unrelatedMs = Date.now() - t;
    const s = Date.now();
    const exitCode = await server.stop();
    stopped = true;
    return { mode: redisUrl ? 'Redis' : 'embedded', unrelatedMs, sigtermMs: Date.now() - s, exitCode };
  } finally {
    if (!stopped) await server.stop();
    for (const res of hung) res.destroy();
    hang.closeAllConnections();
    await new Promise<void>((r) => hang.close(() => r()));
    await rx.close();
  }
}

/**
 * (d) Memory: 100,000 subscriptions (10 topics of 10,000, written through the repositories), then a
 * server process holding them serves one publish (10,000 deliveries), then a publish to every topic
 * (all 100,000 loaded and delivered). Then a new server on the same data dir (all 200,000
 * subscriptions and the first server's records) serves one publish to a topic of its own with
 * 100,000 subscriptions: one fan-out of 100,000 deliveries, its peak (VmHWM since start) measured on
 * its own, not on top of the heap the first server's 100,000 deliveries left for V8 to shrink.
 * Reports the resident set after start and its peak after each step.
 */
import type { BenchReceiver } from './lib/receiver.js';
import { seed } from './lib/seed.js';
import { benchConfig, startServer, tempDataDir } from './lib/server.js';

export const TOPICS = 10;
export const PER_TOPIC = 10_000;
/** The single large topic: one publish, this many deliveries. */
export const LARGE_TOPIC = 100_000;

export interface MemoryResult {
  subscriptions: number;
  seedMs: number;
  startupMs: number;
  rssIdleMb: number;
  /** peak through one publish to a 10,000-subscription topic */
  rssOnePublishMb: number;
  oneMs: number;
  /** peak through a publish to every topic (100,000 deliveries) */
  rssPeakMb: number;
  deliverMs: number;
  /** one publish to the 100,000-subscription topic: answered (all deliveries durable), all delivered, peak RSS */
  largeAcceptMs: number;
  largeDeliverMs: number;
  rssLargeMb: number;
}

export async function benchMemory(rx: BenchReceiver): Promise<MemoryResult> {
  const dataDir = tempDataDir();
  const seeded = Date.now();
  await seed(
    dataDir,
    [
      ...Array.from({ length: TOPICS }, (_, t) => ({
        name: `mem-${t}`,
        endpoints: Array.from({ length: PER_TOPIC }, (_, i) => `${rx.url}/t${t}/s${i}`),
      })),
      { name: 'mem-large', endpoints: Array.from({ length: LARGE_TOPIC }, (_, i) => `${rx.url}/large/s${i}`) },
    ],
  );
  const seedMs = Date.now() - seeded;
  const server = await startServer({ config: benchConfig(), dataDir, keepData: true });
  let first: Omit<MemoryResult, 'largeAcceptMs' | 'largeDeliverMs' | 'rssLargeMb'>;
  try {
    const rssIdleMb = server.rss().now;
    const publish = async (t: number) => {
      const res = await server.api('POST', `/v1/topics/mem-${t}/publish`, { message: 'memory bench' });
      if (res.status !== 202 || res.body.deliveries !== PER_TOPIC) throw new Error(`publish answered ${res.status}`);
    };
    // one publish (10,000 deliveries) while all 100,000 are held
    const one = await rx.expect(PER_TOPIC, { timeoutMs: 120_000 });
    const start = Date.now();
    await publish(0);
    const oneMs = (await one.arrived) - start;
    const rssOnePublishMb = server.rss().peak;
    // then every topic: all 100,000 loaded and delivered
    const all = await rx.expect(TOPICS * PER_TOPIC, { timeoutMs: 180_000 });
    const allStart = Date.now();
    for (let t = 0; t < TOPICS; t++) await publish(t);
    const deliverMs = (await all.arrived) - allStart;
    const rssPeakMb = server.rss().peak;
    first = { subscriptions: TOPICS * PER_TOPIC, seedMs, startupMs: server.startupMs, rssIdleMb, rssOnePublishMb, oneMs, rssPeakMb, deliverMs };
  } finally {
    await server.stop();
  }
  // one fan-out of 100,000 deliveries, in a server of its own
  const again = await startServer({ config: benchConfig(), dataDir });
  try {
    const large = await rx.expect(LARGE_TOPIC, { timeoutMs: 300_000 });
    const start = Date.now();
    const res = await again.api('POST', '/v1/topics/mem-large/publish', { message: 'memory bench, one large fan-out' });
    if (res.status !== 202 || res.body.deliveries !== LARGE_TOPIC) throw new Error(`publish answered ${res.status}`);
    const largeAcceptMs = Date.now() - start;
    const largeDeliverMs = (await large.arrived) - start;
    return { ...first, largeAcceptMs, largeDeliverMs, rssLargeMb: again.rss().peak };
  } finally {
    await again.stop();
  }
}

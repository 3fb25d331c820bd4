/**
 * (d) Memory: 100,000 subscriptions (10 topics of 10,000, written through the repositories), then a
 * server process holding them serves one publish (10,000 deliveries), then a publish to every topic
 * (all 100,000 loaded and delivered). Reports the resident set after start and its peak (VmHWM).
 */
import type { BenchReceiver } from './lib/receiver.js';
import { seed } from './lib/seed.js';
import { benchConfig, startServer, tempDataDir } from './lib/server.js';

export const TOPICS = 10;
export const PER_TOPIC = 10_000;

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
}

export async function benchMemory(rx: BenchReceiver): Promise<MemoryResult> {
  const dataDir = tempDataDir();
  const seeded = Date.now();
  await seed(
    dataDir,
    Array.from({ length: TOPICS }, (_, t) => ({
      name: `mem-${t}`,
      endpoints: Array.from({ length: PER_TOPIC }, (_, i) => `${rx.url}/t${t}/s${i}`),
    })),
  );
  const seedMs = Date.now() - seeded;
  const server = await startServer({ config: benchConfig(), dataDir });
  try {
    const rssIdleMb = server.rss().now;
    const publish = async (t: number) => {
      const res = await server.api('POST', `/v1/topics/mem-${t}/publish`, { message: 'memory bench' });
      if (res.status !== 202 || res.body.deliveries !== PER_TOPIC) throw new Error(`publish answered ${res.status}`);
    };
    // one publish (10,000 deliveries) while all 100,000 are held
    const first = await rx.expect(PER_TOPIC, { timeoutMs: 120_000 });
    let start = Date.now();
    await publish(0);
    const oneMs = (await first.arrived) - start;
    const rssOnePublishMb = server.rss().peak;
    // then every topic: all 100,000 loaded and delivered
    const all = await rx.expect(TOPICS * PER_TOPIC, { timeoutMs: 180_000 });
    start = Date.now();
    for (let t = 0; t < TOPICS; t++) await publish(t);
    const deliverMs = (await all.arrived) - start;
    return {
      subscriptions: TOPICS * PER_TOPIC,
      seedMs,
      startupMs: server.startupMs,
      rssIdleMb,
      rssOnePublishMb,
      oneMs,
      rssPeakMb: server.rss().peak,
      deliverMs,
    };
  } finally {
    await server.stop();
  }
}

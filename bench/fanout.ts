/**
 * (a) Fan-out: one publish to 2,000 webhook subscribers on a local receiver, publish → last arrival,
 * against a bare fetch loop posting the same 2,000 requests to the same receiver with the same
 * concurrency as Herald's workers (delivery.concurrency).
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { BenchReceiver } from './lib/receiver.js';
import { seed } from './lib/seed.js';
import { benchConfig, startServer, tempDataDir } from './lib/server.js';

export const SUBSCRIBERS = 2_000;
const RUNS = 5;
/** The same as config/default.yaml delivery.concurrency: the loop gets as many requests in flight as Herald. */
const CONCURRENCY = 64;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bareLoop(rx: BenchReceiver): Promise<number> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: CONCURRENCY });
  const body = JSON.stringify({ messageId: 'm', deliveryId: 'm.00000', topic: 'bench', message: 'fan-out bench', level: 'info' });
  const { arrived } = await rx.expect(SUBSCRIBERS);
  const start = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SUBSCRIBERS) {
        const i = next++;
        const res = await undiciFetch(`${rx.url}/s/${i}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
          signal: AbortSignal.timeout(10_000),
        });
        await res.text();
      }
    }),
  );
  const ms = (await arrived) - start;
  await agent.close();
  return ms;
}

export interface FanoutResult {
  heraldMs: number;
  bareMs: number;
  ratio: number;
  runs: { herald: number[]; bare: number[] };
  startupMs: number;
}

export async function benchFanout(rx: BenchReceiver, opts: { cpuProf?: string } = {}): Promise<FanoutResult> {
  const dataDir = tempDataDir();
  await seed(dataDir, [{ name: 'fanout', endpoints: Array.from({ length: SUBSCRIBERS }, (_, i) => `${rx.url}/s/${i}`) }]);
  const server = await startServer({ config: benchConfig(), dataDir, cpuProf: opts.cpuProf });
  try {
    const herald: number[] = [];
    const bare: number[] = [];
    for (let run = -1; run < RUNS; run++) {
      const { arrived } = await rx.expect(SUBSCRIBERS);
      const start = Date.now();
      const res = await server.api('POST', '/v1/topics/fanout/publish', { message: 'fan-out bench' });
      if (res.status !== 202 || res.body.deliveries !== SUBSCRIBERS) throw new Error(`publish answered ${res.status}`);
      const heraldMs = (await arrived) - start;
      const bareMs = await bareLoop(rx);
      if (run >= 0) {
        // run -1 warms both up
        herald.push(heraldMs);
        bare.push(bareMs);
      }
    }
    const heraldMs = median(herald);
    const bareMs = median(bare);
    return { heraldMs, bareMs, ratio: heraldMs / bareMs, runs: { herald, bare }, startupMs: server.startupMs };
  } finally {
    await server.stop();
  }
}

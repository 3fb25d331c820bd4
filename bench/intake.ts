/**
 * (b) Publish intake under autocannon: durable publishes per second at full speed, and latency at a
 * fixed 1,000 publishes/s. The topic has one webhook subscriber, so every publish also writes and
 * runs one delivery (to the local receiver) — the work a real publish causes.
 */
import autocannon from 'autocannon';
import type { BenchReceiver } from './lib/receiver.js';
import { seed } from './lib/seed.js';
import { ADMIN, benchConfig, startServer, tempDataDir } from './lib/server.js';

const DURATION_S = 10;
const CONNECTIONS = 32;
export const FIXED_RATE = 1_000;

/**
 * Waits until the deliveries the publishes caused are done (herald_queue_depth from /metrics is 0).
 * A reset is tried again: the pooled connection from the start-up probe may have been closed by the
 * server (keep-alive timeout) while this process was busy firing and had not seen it yet.
 */
async function drained(url: string): Promise<void> {
  for (let resets = 0; ; ) {
    const text = await fetch(`${url}/metrics`)
      .then((r) => r.text())
      .catch((err: Error) => {
        if (++resets > 5) throw err;
        return '';
      });
    if (/^herald_queue_depth 0$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface IntakeFigures {
  requestsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}
export interface IntakeResult {
  max: IntakeFigures;
  fixed: IntakeFigures;
}

function fire(url: string, overallRate?: number): Promise<IntakeFigures> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/topics/intake/publish`,
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 'CPU high', message: '**web-3**: CPU 97 % for 5 minutes', level: 'warning' }),
        connections: CONNECTIONS,
        duration: DURATION_S,
        overallRate,
      },
      (err, r) => {
        if (err) return reject(err);
        resolve({
          requestsPerSec: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
  });
}

export async function benchIntake(rx: BenchReceiver, opts: { cpuProf?: string } = {}): Promise<IntakeResult> {
  const dataDir = tempDataDir();
  await seed(dataDir, [{ name: 'intake', endpoints: [`${rx.url}/intake`] }]);
  const server = await startServer({ config: benchConfig(), dataDir, cpuProf: opts.cpuProf });
  try {
    await fire(server.url, 500).catch(() => undefined); // warm-up
    await drained(server.url);
    // the fixed rate first, on an idle server: the max run leaves tens of thousands of deliveries to drain
    const fixed = await fire(server.url, FIXED_RATE);
    await drained(server.url);
    const max = await fire(server.url);
    await drained(server.url);
    return { max, fixed };
  } finally {
    await server.stop();
  }
}

/**
 * (c) A paced burst: 45 messages to one robot whose platform allows 20 per 3 s in every sliding
 * window. The ideal schedule sends 20 at once, 20 more when the first leaves the window (3 s), and
 * the last 5 at 6 s; efficiency is that ideal finish time over the actual one. Also checks that no
 * 3 s window ever held more than 20 arrivals.
 */
import type { BenchReceiver } from './lib/receiver.js';
import { seed } from './lib/seed.js';
import { benchConfig, startServer, tempDataDir } from './lib/server.js';

export const MESSAGES = 45;
export const WINDOW = { max: 20, perMs: 3_000 };

export interface PacedResult {
  idealMs: number;
  actualMs: number;
  efficiency: number;
  maxInWindow: number;
}

/** The ideal: message i goes out at floor(i / max) windows after the first. */
export const idealFinishMs = (n: number, w = WINDOW) => Math.floor((n - 1) / w.max) * w.perMs;

export async function benchPaced(rx: BenchReceiver): Promise<PacedResult> {
  const dataDir = tempDataDir();
  await seed(dataDir, [{ name: 'paced', endpoints: [`${rx.url}/robot`] }]);
  const server = await startServer({ config: benchConfig({ platforms: { webhook: { rateLimits: [WINDOW] } } }), dataDir });
  try {
    const { arrived } = await rx.expect(MESSAGES, { keepTimes: true, timeoutMs: 60_000 });
    const start = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      const res = await server.api('POST', '/v1/topics/paced/publish', { message: `burst ${i + 1} of ${MESSAGES}` });
      if (res.status !== 202) throw new Error(`publish answered ${res.status}`);
    }
    const actualMs = (await arrived) - start;
    const times = await rx.times();
    let maxInWindow = 0;
    for (let i = 0; i < times.length; i++) {
      let n = 0;
      for (let j = i; j < times.length && times[j]! - times[i]! < WINDOW.perMs; j++) n++;
      maxInWindow = Math.max(maxInWindow, n);
    }
    const idealMs = idealFinishMs(MESSAGES);
    return { idealMs, actualMs, efficiency: idealMs / actualMs, maxInWindow };
  } finally {
    await server.stop();
  }
}

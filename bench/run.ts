/**
 * `npm run bench`: Herald's speed figures and the targets they are held to (docs/operations.md).
 * The server runs compiled (dist/, built first), in its own process, on a temp data dir, with quotas
 * and publish limits raised through HERALD_CONFIG; the webhook receiver runs in a third process.
 */
import { cpus } from 'node:os';
import { benchFanout, SUBSCRIBERS } from './fanout.js';
import { benchIntake, FIXED_RATE } from './intake.js';
import { benchLarge, LARGE_MESSAGES, MESSAGE_BYTES } from './large.js';
import { build } from './lib/server.js';
import { startReceiver } from './lib/receiver.js';
import { benchMemory, LARGE_TOPIC } from './memory.js';
import { benchPaced, MESSAGES, WINDOW } from './paced.js';
import { BACKLOG, benchIsolation, benchStorm, STORM, STORM_WINDOW_MS } from './storm.js';
import { BIG_TOPIC, benchRecords, EXPIRED, LIVE } from './records.js';

export const TARGETS = {
  fanoutRatio: 1.5,
  publishesPerSec: 3_000,
  p99AtFixedMs: 20,
  pacedEfficiency: 0.95,
  rssMb: 200,
  startupMs: 2_000,
  healthzP99Ms: 100,
  stormWindows: 2,
  stormWebhookMs: 3_000,
  unrelatedMs: 1_000,
  sigtermMs: 20_000,
  newestPageMs: 50,
  agedListMs: 20,
};

/** Redis for the Redis-mode storm figures (skipped when it does not answer). */
const REDIS_URL = process.env.HERALD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  const want = (name: string) => only.size === 0 || only.has(name);
  const began = Date.now();
  process.stdout.write(`Herald bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}\n`);
  process.stdout.write('building dist/ … ');
  build();
  process.stdout.write('done\n\n');
  const rx = await startReceiver();
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    if (want('fanout')) {
      const r = await benchFanout(rx);
      say(`(a) fan-out of one publish to ${f(SUBSCRIBERS)} webhooks: Herald ${f(r.heraldMs)} ms, bare fetch loop ${f(r.bareMs)} ms`);
      say(`    ratio ${f(r.ratio, 2)}× (target ≤ ${TARGETS.fanoutRatio}×: ${mark(r.ratio <= TARGETS.fanoutRatio)}); runs ${r.runs.herald.join('/')} vs ${r.runs.bare.join('/')} ms`);
      say(`    start-up to ready: ${f(r.startupMs)} ms (target < ${f(TARGETS.startupMs)} ms: ${mark(r.startupMs < TARGETS.startupMs)})`);
    }
    if (want('intake')) {
      const r = await benchIntake(rx);
      say(`(b) publish intake, max: ${f(r.max.requestsPerSec)} durable publishes/s, p50 ${r.max.p50} ms, p99 ${r.max.p99} ms (target ≥ ${f(TARGETS.publishesPerSec)}/s: ${mark(r.max.requestsPerSec >= TARGETS.publishesPerSec)})`);
      say(`    at ${f(FIXED_RATE)}/s: p50 ${r.fixed.p50} ms, p99 ${r.fixed.p99} ms (target p99 ≤ ${TARGETS.p99AtFixedMs} ms: ${mark(r.fixed.p99 <= TARGETS.p99AtFixedMs)}); non-2xx ${r.max.non2xx + r.fixed.non2xx}, errors ${r.max.errors + r.fixed.errors}`);
    }
    if (want('paced')) {
      const r = await benchPaced(rx);
      say(`(c) paced burst, ${MESSAGES} messages at ${WINDOW.max} per ${WINDOW.perMs / 1000} s: ideal ${f(r.idealMs)} ms, actual ${f(r.actualMs)} ms`);
      say(`    efficiency ${f(r.efficiency, 3)} (target ≥ ${TARGETS.pacedEfficiency}: ${mark(r.efficiency >= TARGETS.pacedEfficiency)}); most in any ${WINDOW.perMs / 1000} s window: ${r.maxInWindow} (limit ${WINDOW.max})`);
    }
    if (want('memory')) {
      const r = await benchMemory(rx);
      say(`(d) ${f(r.subscriptions)} subscriptions (seeded in ${f(r.seedMs)} ms), server start-up ${f(r.startupMs)} ms, RSS ${f(r.rssIdleMb)} MB after start`);
      say(`    one publish to 10,000 of them: peak RSS ${f(r.rssOnePublishMb)} MB, delivered in ${f(r.oneMs)} ms (target ≤ ${TARGETS.rssMb} MB: ${mark(r.rssOnePublishMb <= TARGETS.rssMb)})`);
      say(`    a publish to all 100,000: peak RSS ${f(r.rssPeakMb)} MB, delivered in ${f(r.deliverMs)} ms (${mark(r.rssPeakMb <= TARGETS.rssMb)})`);
      say(`    one publish to a topic of ${f(LARGE_TOPIC)} (a new server on the same data): answered in ${f(r.largeAcceptMs)} ms, delivered in ${f(r.largeDeliverMs)} ms, peak RSS ${f(r.rssLargeMb)} MB (${mark(r.rssLargeMb <= TARGETS.rssMb)})`);
    }
    if (want('large')) {
      const r = await benchLarge();
      say(`(e) ${LARGE_MESSAGES} messages of ${f(MESSAGE_BYTES / 1000)} KB to a DingTalk, a Lark and a WeCom robot: ${r.parts} parts delivered in ${f(r.deliverMs)} ms`);
      say(`    /healthz meanwhile (${r.probes} probes): p50 ${f(r.p50, 1)} ms, p99 ${f(r.p99, 1)} ms, max ${f(r.maxMs, 1)} ms (target p99 ≤ ${TARGETS.healthzP99Ms} ms: ${mark(r.p99 <= TARGETS.healthzP99Ms)}); failed or reset requests: ${r.errors} (target 0: ${mark(r.errors === 0)})`);
      say(`    (during the first, warm-up round, code still loading: max ${f(r.coldMaxMs, 1)} ms)`);
    }
    if (want('records')) {
      const r = await benchRecords();
      say(`(f) a topic of ${f(BIG_TOPIC)} messages (seeded with another of ${f(EXPIRED + LIVE)} in ${f(r.seedMs)} ms): newest page of 20 p50 ${f(r.newestPageMs.p50, 1)} ms, p95 ${f(r.newestPageMs.p95, 1)} ms (target ≤ ${TARGETS.newestPageMs} ms: ${mark(r.newestPageMs.p95 <= TARGETS.newestPageMs)})`);
      say(`    50 cursor pages on: p50 ${f(r.cursorPageMs.p50, 1)} ms, p95 ${f(r.cursorPageMs.p95, 1)} ms; ids seen twice: ${r.pagesOverlap} (target 0: ${mark(r.pagesOverlap === 0)})`);
      say(`    sweep of ${f(EXPIRED)} expired records: ${f(r.sweepMs)} ms, /healthz max meanwhile ${f(r.healthzMaxDuringSweepMs, 1)} ms; ${f(r.indexEntriesLeft)} entries left in the topic's index (live ${f(LIVE)})`);
      say(`    listing that topic after: p50 ${f(r.agedListMs.p50, 1)} ms, p95 ${f(r.agedListMs.p95, 1)} ms (target ≤ ${TARGETS.agedListMs} ms: ${mark(r.agedListMs.p95 <= TARGETS.agedListMs)}); dead ids in the index tables: ${r.deadIds} (target 0: ${mark(r.deadIds === 0)})`);
    }
    if (want('storm')) {
      const modes = [undefined, ...((await redisAnswers(REDIS_URL)) ? [REDIS_URL] : [])];
      for (const url of modes) {
        const r = await benchStorm(url);
        say(`(g) storm, ${r.mode}: ${STORM} messages published in ${f(r.burstMs)} ms; windows of ${STORM_WINDOW_MS / 1000} s after the burst until the last is visible (target ≤ ${TARGETS.stormWindows}):`);
        for (const g of r.groups) {
          const ok = g.windows <= TARGETS.stormWindows && g.visible === STORM && g.inOrder && g.rejections === 0;
          say(`    ${g.group.padEnd(20)} ${f(g.windows, 2)} windows, ${g.visible}/${STORM} visible, ${g.inOrder ? 'in publish order' : 'OUT OF ORDER'}, ${g.sends} sends, ${g.rejections} rejections (${mark(ok)})`);
        }
        say(`    webhook: ${r.webhookDeliveries} separate deliveries in ${f(r.webhookMs)} ms (target ${STORM} within ${f(TARGETS.stormWebhookMs)} ms: ${mark(r.webhookDeliveries === STORM && r.webhookMs <= TARGETS.stormWebhookMs)})`);
      }
      if (modes.length === 1) say(`    (Redis mode not measured: nothing answers at ${REDIS_URL})`);
      for (const url of modes) {
        const r = await benchIsolation(url);
        say(`(h) isolation, ${r.mode}: behind a hanging receiver with ${BACKLOG} queued, an unrelated delivery arrived after ${f(r.unrelatedMs)} ms (target < ${f(TARGETS.unrelatedMs)} ms: ${mark(r.unrelatedMs < TARGETS.unrelatedMs)})`);
        say(`    SIGTERM with that backlog: exit ${r.exitCode} after ${f(r.sigtermMs)} ms (target < ${f(TARGETS.sigtermMs)} ms: ${mark(r.exitCode === 0 && r.sigtermMs < TARGETS.sigtermMs)})`);
      }
    }
  } finally {
    rx.close();
  }
  process.stdout.write(`\nwhole bench: ${f((Date.now() - began) / 1000)} s\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

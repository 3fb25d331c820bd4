/**
 * Herald's Prometheus metrics, on a registry of their own (never prom-client's global one, so two
 * Heralds in one process — tests — keep separate counts). Labels are bounded and never secret:
 * topic names, intake formats, platform names and outcomes; never an endpoint, a token or a chat.
 */
import type { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryQueue } from '../delivery/queue.js';

/** Accepted → delivered can be milliseconds (a webhook) or minutes (a robot paced at 20 a minute). */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600, 1800];
/** Waits behind a robot's sliding windows: up to a window's length (60 s on DingTalk and WeCom). */
export const WAIT_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 1, 3, 10, 30, 60, 120];
/** Event-loop delay sampling resolution: a stall shorter than this is not seen. */
const LOOP_RESOLUTION_MS = 10;

/** One HTTP attempt: bounded by delivery.timeoutMs (10 s by default). */
export const ATTEMPT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Published {
  topic: string;
  source: string;
  deliveries: number;
}
interface Attempt {
  protocol: string;
  outcome: string;
  ms?: number;
}
interface Timed {
  protocol: string;
  ms: number;
}
interface Final {
  protocol: string;
}

export interface HeraldMetrics {
  registry: Registry;
  /** stops listening to the events */
  detach(): void;
}

export function createMetrics(events: EventEmitter, queue: Pick<DeliveryQueue, 'depth'>): HeraldMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const publishes = new Counter({
    name: 'herald_publishes_total',
    help: 'Messages accepted for publishing, by topic and the format they came in (json, text, alertmanager, grafana …).',
    labelNames: ['topic', 'source'],
    registers: [registry],
  });
  const fannedOut = new Counter({
    name: 'herald_publish_deliveries_total',
    help: 'Deliveries created by accepted publishes (one per subscription), by topic.',
    labelNames: ['topic'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Deliveries that reached a final state, by platform and outcome (delivered or failed).',
    labelNames: ['platform', 'outcome'],
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'herald_delivery_attempts_total',
    help: 'HTTP attempts to a platform, by platform and outcome (ok, transient, rate-limited, permanent).',
    labelNames: ['platform', 'outcome'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'herald_delivery_retries_total',
    help: 'Attempts answered with a retryable outcome (transient or rate-limited), by platform and reason.',
    labelNames: ['platform', 'reason'],
    registers: [registry],
  });
  const attemptSeconds = new Histogram({
    name: 'herald_delivery_attempt_duration_seconds',
    help: 'Duration of one HTTP attempt to a platform.',
    labelNames: ['platform'],
    buckets: ATTEMPT_BUCKETS_S,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'From the publish being accepted to the platform accepting the delivery (all parts).',
    labelNames: ['platform'],
    buckets: LATENCY_BUCKETS_S,
    registers: [registry],
  });
  const limiterWait = new Histogram({
    name: 'herald_limiter_wait_seconds',
    help: "Waits imposed by a robot's sliding-window rate limits before a send, by platform.",
    labelNames: ['platform'],
    buckets: WAIT_BUCKETS_S,
    registers: [registry],
  });
  new Gauge({
    name: 'herald_queue_depth',
    help: 'Deliveries queued or in flight (not yet final).',
    registers: [registry],
    async collect() {
      this.set(await queue.depth());
    },
  });

  // How long work held the event loop (a render, a template, a big JSON): p50, p99 and max of the
  // delays seen since the previous scrape, then the histogram starts over.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  new Gauge({
    name: 'herald_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape (quantile 0.5, 0.99 and 1 = max): how long a single piece of work kept every request waiting.',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      const s = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns - LOOP_RESOLUTION_MS * 1e6) / 1e9 : 0);
      if (loop.count > 0) {
        this.set({ quantile: '0.5' }, s(loop.percentile(50)));
        this.set({ quantile: '0.99' }, s(loop.percentile(99)));
        this.set({ quantile: '1' }, s(loop.max));
      }
      loop.reset();
    },
  });

  // biome-ignore lint/suspicious/noExplicitAny: each handler declares its own event shape
  const handlers: Record<string, (e: any) => void> = {
    published: (e: Published) => {
      publishes.inc({ topic: e.topic, source: e.source });
      fannedOut.inc({ topic: e.topic }, e.deliveries);
    },
    delivered: (e: Final) => deliveries.inc({ platform: e.protocol, outcome: 'delivered' }),
    failed: (e: Final) => deliveries.inc({ platform: e.protocol, outcome: 'failed' }),
    attempt: (e: Attempt) => {
      attempts.inc({ platform: e.protocol, outcome: e.outcome });
      if (e.outcome === 'transient' || e.outcome === 'rate-limited') retries.inc({ platform: e.protocol, reason: e.outcome });
      if (typeof e.ms === 'number') attemptSeconds.observe({ platform: e.protocol }, e.ms / 1000);
    },
    latency: (e: Timed) => latency.observe({ platform: e.protocol }, e.ms / 1000),
    wait: (e: Timed) => limiterWait.observe({ platform: e.protocol }, e.ms / 1000),
  };
  for (const [name, fn] of Object.entries(handlers)) events.on(name, fn);

  return {
    registry,
    detach() {
      loop.disable();
      for (const [name, fn] of Object.entries(handlers)) events.off(name, fn);
    },
  };
}

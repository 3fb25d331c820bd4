/**
 * (e) Large messages: three 60 KB markdown messages published to a topic with a DingTalk, a Lark and
 * a WeCom robot (the local platform fakes, rate limits raised so the parts go out at once), while a
 * probe asks /healthz every 5 ms on a kept-alive connection. Reports the probe's p50/p99/max and
 * how many requests failed (a reset, a timeout, a rejected part), from the first publish until every
 * part arrived, after a first, unmeasured round that warms the server up. The fakes run in a
 * process of their own.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ADMIN, benchConfig, startServer } from './lib/server.js';

export const MESSAGE_BYTES = 60_000;
export const LARGE_MESSAGES = 3;
/** the same in fakes-child.ts */
const FAST = { max: 10_000, perMs: 1_000 };

export interface LargeResult {
  parts: number;
  deliverMs: number;
  probes: number;
  p50: number;
  p99: number;
  maxMs: number;
  errors: number;
  /** the slowest /healthz answer during the warm-up round */
  coldMaxMs: number;
}

function message(k: number): string {
  const block = `## 节点 web-${k} 告警 🚨\n\nCPU 使用率 **97%**, see [the dashboard](https://grafana.example.com/d/${k}) and \`top -b -n1\`.\n\n\`\`\`\nload average: 9.1 8.7 8.2\n\`\`\`\n\n`;
  return block.repeat(Math.ceil(MESSAGE_BYTES / Buffer.byteLength(block)));
}

/** The fakes' process: ask it something, get its answer. */
async function ask<T>(child: ChildProcess, type: string): Promise<T> {
  const answer = new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
  if (type !== 'robots') child.send({ type });
  return answer;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

export async function benchLarge(): Promise<LargeResult> {
  const child = fork(join(import.meta.dirname, 'fakes-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const { robots } = await ask<{ robots: { protocol: string; endpoint: string }[] }>(child, 'robots');
  const platforms = Object.fromEntries(robots.map((r) => [r.protocol, { rateLimits: [FAST] }]));
  const count = () => ask<{ received: number[]; rejected: number[] }>(child, 'count');
  const server = await startServer({ config: benchConfig({ platforms }) });
  const agent = new Agent({ connections: 2, keepAliveTimeout: 30_000, headersTimeout: 10_000 });
  try {
    await server.api('POST', '/v1/topics', { name: 'large' });
    for (const r of robots) {
      const res = await server.api('POST', '/v1/topics/large/subscriptions', { protocol: r.protocol, endpoint: r.endpoint });
      if (res.status !== 201) throw new Error(`subscription answered ${res.status}`);
    }
    const times: number[] = [];
    let errors = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const t = performance.now();
        try {
          const res = await request(`${server.url}/healthz`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        times.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const publishAll = async () => {
    for (let k = 0; k < LARGE_MESSAGES; k++) {
      try {
        const res = await request(`${server.url}/v1/topics/large/publish`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ subject: `large ${k}`, message: message(k) }),
        });
        await res.body.text();
        if (res.statusCode !== 202) errors++;
      } catch {
        errors++;
      }
    }
    };
    /** every part counted by the fakes; done when no delivery is left in the queue */
    const delivered = async (rounds: number, since: number) => {
      for (;;) {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        if (/^herald_queue_depth 0$/m.test(text) && (await count()).received.every((n) => n >= rounds * LARGE_MESSAGES)) return;
        if (Date.now() - since > 120_000) throw new Error('large messages: not delivered in 120 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // a first round warms the server up (code loaded and compiled on first use), unmeasured
    await publishAll();
    await delivered(1, Date.now());
    const coldMaxMs = Math.max(...times);
    times.length = 0;
    const start = Date.now();
    await publishAll();
    await delivered(2, start);
    const deliverMs = Date.now() - start;
    probing = false;
    await probe;
    const { received, rejected } = await count();
    errors += rejected.reduce((a, b) => a + b, 0);
    const sorted = [...times].sort((a, b) => a - b);
    return {
      parts: received.reduce((a, b) => a + b, 0) / 2,
      deliverMs,
      probes: times.length,
      p50: pct(sorted, 0.5),
      p99: pct(sorted, 0.99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      errors,
      coldMaxMs,
    };
  } finally {
    await agent.close();
    await server.stop();
    child.disconnect();
    await once(child, 'exit');
  }
}

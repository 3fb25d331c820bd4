/** Controls the receiver process: reset its counter, wait until N requests arrived, read hit times. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface BenchReceiver {
  url: string;
  /** Zeroes the counter; then `arrived` resolves with the arrival time (ms epoch) of the n-th request. */
  expect(n: number, opts?: { keepTimes?: boolean; timeoutMs?: number }): Promise<{ arrived: Promise<number> }>;
  times(): Promise<number[]>;
  close(): void;
}

function next<T>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`receiver: no "${type}" in ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
}

export async function startReceiver(): Promise<BenchReceiver> {
  const child = fork(join(import.meta.dirname, '../receiver-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const { port } = await next<{ port: number }>(child, 'listening');
  return {
    url: `http://127.0.0.1:${port}`,
    async expect(n, opts = {}) {
      child.send({ type: 'reset', n, keepTimes: opts.keepTimes });
      await next(child, 'reset');
      const arrived = next<{ at: number }>(child, 'reached', opts.timeoutMs).then((m) => m.at);
      arrived.catch(() => {}); // observed by the caller's await
      return { arrived };
    },
    async times() {
      child.send({ type: 'times' });
      return (await next<{ times: number[] }>(child, 'times')).times;
    },
    close() {
      child.disconnect();
      void once(child, 'exit');
    },
  };
}

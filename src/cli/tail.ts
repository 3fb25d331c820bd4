/** `herald tail <topic>`: follows a topic, printing each new message and then its deliveries as they settle. */
import type { DeliveryView } from '../client/answer.js';
import { type ApiClient, UsageError } from './client.js';
import { type Io, parse } from './options.js';

export const TAIL_HELP = `Usage: herald tail <topic> [--interval <seconds>] [--timeout <seconds>]

Follows a topic: prints each new message as it is published, then each delivery as its status
changes (pending, delivered, failed …) with its attempts and last error. Ctrl-C stops it.
  --interval <s>   how often to ask Herald (default 1)
  --timeout <s>    stop after this many seconds (exit code 0)
With --json, one JSON object per line: {"event":"message",…} or {"event":"delivery",…}.`;

interface TailMessage {
  id: string;
  topic: string;
  subject?: string;
  text?: string;
  level: string;
  source: string;
  createdAt: string;
  deliveries: DeliveryView[];
}

/** Messages asked for per poll: more than a second's worth on a busy topic is not the use of tail. */
const PAGE = 50;

const seconds = (raw: string | undefined, name: string, fallback: number) => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} takes seconds, a positive number; got "${raw}".`);
  return n;
};

const headline = (m: TailMessage) => {
  const line = m.subject || (m.text ?? '').split('\n').find((l) => l.trim()) || '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
};

export async function tailCommand(args: string[], io: Io, client: (v: { url?: string; token?: string }) => ApiClient): Promise<number> {
  const { values, positionals } = parse(args, { interval: { type: 'string' }, timeout: { type: 'string' } });
  if (values.help) {
    io.out(TAIL_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Give one topic: herald tail <topic>.');
  const topic = positionals[0]!;
  const intervalMs = seconds(values.interval, 'interval', 1) * 1000;
  const until = values.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + seconds(values.timeout, 'timeout', 0) * 1000;
  const api = client(values);
  const path = `/v1/topics/${encodeURIComponent(topic)}/messages?limit=${PAGE}`;

  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const emit = (event: Record<string, unknown>, text: string) => io.out(values.json ? JSON.stringify(event) : text);

  /** delivery id → the status line last printed */
  const shown = new Map<string, string>();
  const known = new Set<string>();
  /** messages published since tail started: only their deliveries are followed */
  const followed = new Set<string>();
  try {
    const first = await api.call<{ messages: TailMessage[] }>('GET', path);
    for (const m of first.messages) known.add(m.id);
    io.err(`following ${topic}; Ctrl-C to stop\n`);
    while (!stop && Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, until - Date.now()))));
      if (stop) break;
      const { messages } = await api.call<{ messages: TailMessage[] }>('GET', path);
      for (const m of [...messages].reverse()) {
        if (!known.has(m.id)) {
          known.add(m.id);
          followed.add(m.id);
          emit({ event: 'message', message: m }, `${m.createdAt}  ${m.id}  ${m.level.padEnd(8)} ${headline(m)}  (${m.deliveries.length} deliveries, via ${m.source})`);
        }
        if (!followed.has(m.id)) continue;
        for (const d of m.deliveries) {
          if (!shown.has(d.id) && d.status === 'pending' && d.attempts === 0) {
            shown.set(d.id, 'pending:0');
            continue; // a fresh delivery is the message line's "N deliveries"
          }
          const state = `${d.status}:${d.attempts}`;
          if (shown.get(d.id) === state) continue;
          shown.set(d.id, state);
          const error = d.lastError ? ` — ${d.lastError}${d.lastCode !== undefined ? ` (${d.lastCode})` : ''}` : '';
          emit({ event: 'delivery', messageId: m.id, delivery: d }, `  ${d.id}  ${d.protocol.padEnd(8)} ${d.status.padEnd(9)} attempts ${d.attempts}${error}`);
        }
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `herald records <messageId> [--wait]`: what happened to each delivery, optionally until none is pending. */
import type { DeliveryView } from '../client/answer.js';
import { type ApiClient, UsageError } from './client.js';
import { type Io, parse } from './options.js';

export interface MessageView {
  id: string;
  topic: string;
  createdAt: string;
  deliveries: DeliveryView[];
}

/** How often --wait asks again. */
export const POLL_MS = 500;
/** --wait gives up after this long unless --timeout says otherwise. */
export const DEFAULT_WAIT_S = 600;

export const RECORDS_HELP = `Usage: herald records <messageId> [--wait] [--timeout <seconds>]

Shows each delivery of a message: status, attempts, last error.
  --wait             poll until no delivery is pending, showing progress
  --timeout <s>      with --wait: give up after this many seconds (default ${DEFAULT_WAIT_S})
Exit code: 0 when every delivery is delivered (or pending without --wait), 1 when one failed or --wait timed out.`;

export const counts = (m: MessageView) => {
  const c = { delivered: 0, failed: 0, pending: 0 };
  for (const d of m.deliveries) c[d.status] += 1;
  return c;
};

const progressLine = (m: MessageView) => {
  const c = counts(m);
  return `${m.id}: ${c.delivered}/${m.deliveries.length} delivered, ${c.failed} failed, ${c.pending} pending`;
};

export function printRecords(m: MessageView, io: Io): void {
  io.out(`message ${m.id} on topic ${m.topic}, published ${m.createdAt}`);
  for (const d of m.deliveries) {
    const parts = d.parts && d.parts > 1 ? `, ${d.parts} parts` : '';
    const error = d.lastError ? ` — ${d.lastError}${d.lastCode !== undefined ? ` (${d.lastCode})` : ''}` : '';
    io.out(`  ${d.id}  ${d.protocol.padEnd(8)} ${d.status.padEnd(9)} attempts ${d.attempts}${parts}${error}`);
  }
  io.out(progressLine(m));
}

/** Polls until nothing is pending; prints progress as it changes. */
export async function waitSettled(api: ApiClient, id: string, io: Io, timeoutS: number): Promise<MessageView> {
  const until = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const m = await api.call<MessageView>('GET', `/v1/messages/${encodeURIComponent(id)}`);
    const line = progressLine(m);
    if (line !== last) {
      if (io.tty) io.err(`\r\x1b[2K${line}`);
      else io.err(`${line}\n`);
      last = line;
    }
    if (counts(m).pending === 0) {
      if (io.tty) io.err('\n');
      return m;
    }
    if (Date.now() > until) {
      if (io.tty) io.err('\n');
      throw Object.assign(new Error(`Still ${counts(m).pending} pending after ${timeoutS} s; check again with: herald records ${id}`), {
        records: m,
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function timeoutOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_WAIT_S;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout takes seconds, a positive number; got "${raw}".`);
  return s;
}

export async function recordsCommand(args: string[], io: Io, client: (v: { url?: string; token?: string }) => ApiClient): Promise<number> {
  const { values, positionals } = parse(args, { wait: { type: 'boolean' }, timeout: { type: 'string' } });
  if (values.help) {
    io.out(RECORDS_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Give one message id: herald records <messageId>.');
  const id = positionals[0]!;
  const api = client(values);
  const timeoutS = timeoutOf(values.timeout);
  const m = values.wait ? await waitSettled(api, id, io, timeoutS) : await api.call<MessageView>('GET', `/v1/messages/${encodeURIComponent(id)}`);
  if (values.json) io.out(JSON.stringify(m, null, 2));
  else printRecords(m, io);
  return counts(m).failed > 0 ? 1 : 0;
}

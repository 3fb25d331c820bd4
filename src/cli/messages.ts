/** `herald messages <topic>`: a topic's messages, newest first, a page at a time (or --all). */
import type { DeliveryView } from '../client/answer.js';
import { type ApiClient, UsageError } from './client.js';
import { type Io, parse } from './options.js';
import { nextCommand } from './resources.js';
import { table } from './table.js';

interface ListedMessage {
  id: string;
  createdAt: string;
  level?: string;
  subject?: string;
  text?: string;
  deliveries: DeliveryView[];
}

export const MESSAGES_HELP = `Usage: herald messages <topic> [--limit <n>] [--since <iso>] [--until <iso>] [--cursor <c> | --all]

Lists a topic's messages, newest first: id, time, level, deliveries done, text. One page at a
time with the command for the next one; --all pages through to the end.`;

const TEXT_CHARS = 60;

export async function messagesCommand(args: string[], io: Io, client: (v: { url?: string; token?: string }) => ApiClient): Promise<number> {
  const { values, positionals } = parse(args, {
    limit: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    cursor: { type: 'string' },
    all: { type: 'boolean' },
  });
  if (values.help) {
    io.out(MESSAGES_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Give one topic: herald messages <topic>.');
  const topic = positionals[0]!;
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit takes a positive whole number; got "${values.limit}".`);
  const query: Record<string, string> = { limit: String(limit) };
  if (values.since) query.since = values.since;
  if (values.until) query.until = values.until;
  const api = client(values);
  const rows: ListedMessage[] = [];
  let cursor = values.cursor;
  let next: string | null = null;
  do {
    const q = new URLSearchParams(cursor ? { ...query, cursor } : query);
    const body = await api.call<{ messages: ListedMessage[]; next: string | null }>('GET', `/v1/topics/${encodeURIComponent(topic)}/messages?${q}`);
    rows.push(...body.messages);
    next = body.next;
    cursor = next ?? undefined;
  } while (values.all && next);
  if (values.json) {
    io.out(JSON.stringify({ messages: rows, next }, null, 2));
    return 0;
  }
  if (rows.length === 0 && !next) {
    io.out(`no messages in ${topic}`);
    return 0;
  }
  const line = (m: ListedMessage) => {
    const t = (m.subject ? `${m.subject}: ` : '') + (m.text ?? '').replace(/\s+/g, ' ');
    return t.length > TEXT_CHARS ? `${t.slice(0, TEXT_CHARS - 1)}…` : t;
  };
  const done = (m: ListedMessage) => `${m.deliveries.filter((d) => d.status === 'delivered').length}/${m.deliveries.length}`;
  if (rows.length) io.out(table(['MESSAGE', 'CREATED', 'LEVEL', 'DELIVERED', 'TEXT'], rows.map((m) => [m.id, m.createdAt, m.level, done(m), line(m)])));
  if (next) io.err(`more: ${nextCommand(['messages', topic], query, next)}\n`);
  return 0;
}

/**
 * `herald subscriptions|templates|tokens|deliveries …`: list, create and delete what the API holds.
 * Every command prints a short summary, or the API's JSON with --json; exit codes as in run.ts.
 */
import { readFileSync } from 'node:fs';
import type { DeliveryView } from '../client/answer.js';
import { type ApiClient, UsageError } from './client.js';
import { type Io, parse, readStdin } from './options.js';
import { table } from './table.js';

type Client = (v: { url?: string; token?: string }) => ApiClient;
const enc = encodeURIComponent;
const json = (v: unknown) => JSON.stringify(v, null, 2);

export const SUBSCRIPTIONS_HELP = `Usage: herald subscriptions list <topic>
       herald subscriptions create <topic> --protocol <p> --endpoint <url> [--secret <s>] [--keyword <k>] [--remark <r>]
       herald subscriptions delete <id>

Endpoints come back masked; the endpoint and secret are stored encrypted and never shown again.`;

interface Subscription {
  id: string;
  topic: string;
  protocol: string;
  endpoint: string;
  status?: string;
  remark?: string;
  source?: string;
}

export async function subscriptionsCommand(args: string[], io: Io, client: Client): Promise<number> {
  const { values, positionals } = parse(args, {
    protocol: { type: 'string' },
    endpoint: { type: 'string' },
    secret: { type: 'string' },
    keyword: { type: 'string' },
    remark: { type: 'string' },
  });
  if (values.help) {
    io.out(SUBSCRIPTIONS_HELP);
    return 0;
  }
  const [action, arg, ...rest] = positionals;
  if (rest.length) throw new UsageError(`Too many arguments: ${rest.join(' ')}.`);
  if (action === 'list' || action === 'ls') {
    if (!arg) throw new UsageError('Give a topic: herald subscriptions list <topic>.');
    const body = await client(values).call<{ subscriptions: Subscription[] }>('GET', `/v1/topics/${enc(arg)}/subscriptions`);
    if (values.json) io.out(json(body));
    else if (body.subscriptions.length === 0) io.out(`no subscriptions on ${arg}; add one with: herald subscriptions create ${arg} --protocol … --endpoint …`);
    else io.out(table(['ID', 'PROTOCOL', 'SOURCE', 'ENDPOINT', 'REMARK'], body.subscriptions.map((s) => [s.id, s.protocol, s.source, s.endpoint, s.remark])));
    return 0;
  }
  if (action === 'create' || action === 'add') {
    if (!arg) throw new UsageError('Give a topic: herald subscriptions create <topic> --protocol <p> --endpoint <url>.');
    if (!values.protocol || !values.endpoint) throw new UsageError('Give --protocol and --endpoint (see herald subscriptions --help).');
    const body = { protocol: values.protocol, endpoint: values.endpoint, secret: values.secret, keyword: values.keyword, remark: values.remark };
    const s = await client(values).call<Subscription>('POST', `/v1/topics/${enc(arg)}/subscriptions`, body);
    io.out(values.json ? json(s) : `subscribed ${s.id}: ${s.protocol} ${s.endpoint} to ${s.topic}`);
    return 0;
  }
  if (action === 'delete' || action === 'rm') {
    if (!arg) throw new UsageError('Give a subscription id: herald subscriptions delete <id>.');
    await client(values).call('DELETE', `/v1/subscriptions/${enc(arg)}`);
    io.out(values.json ? json({ deleted: arg }) : `deleted subscription ${arg}`);
    return 0;
  }
  throw new UsageError(`Give an action: list, create or delete (not "${action ?? ''}").`);
}

export const TEMPLATES_HELP = `Usage: herald templates list
       herald templates create <name> --protocol <p> (--content <text> | --file <path> | -)
       herald templates update <name> <protocol> (--content <text> | --file <path> | -)
       herald templates delete <name> <protocol>

Protocol "default" serves every platform without its own variant. A template with a mistake is
refused with the line, column and reason.`;

interface Template {
  name: string;
  protocol: string;
  content: string;
  updatedAt: string;
}

async function contentOf(values: { content?: string; file?: string }, dash: boolean, io: Io): Promise<string> {
  if (values.content !== undefined) return values.content;
  if (values.file !== undefined) {
    try {
      return readFileSync(values.file, 'utf8');
    } catch (err) {
      throw new UsageError(`Cannot read ${values.file}: ${(err as Error).message}`);
    }
  }
  if (dash) return readStdin(io.stdin);
  throw new UsageError('Give the content: --content <text>, --file <path>, or "-" to read stdin.');
}

export async function templatesCommand(args: string[], io: Io, client: Client): Promise<number> {
  const { values, positionals } = parse(args, { protocol: { type: 'string' }, content: { type: 'string' }, file: { type: 'string' } });
  if (values.help) {
    io.out(TEMPLATES_HELP);
    return 0;
  }
  const dash = positionals.includes('-');
  const [action, name, third, ...rest] = positionals.filter((p) => p !== '-');
  if (rest.length) throw new UsageError(`Too many arguments: ${rest.join(' ')}.`);
  if (action === 'list' || action === 'ls' || action === undefined) {
    const body = await client(values).call<{ templates: Template[] }>('GET', '/v1/templates');
    if (values.json) io.out(json(body));
    else if (body.templates.length === 0) io.out('no templates yet; create one with: herald templates create <name> --protocol default --content …');
    else io.out(table(['NAME', 'PROTOCOL', 'UPDATED', 'CONTENT'], body.templates.map((t) => [t.name, t.protocol, t.updatedAt, firstLine(t.content)])));
    return 0;
  }
  if (action === 'create' || action === 'update') {
    if (!name) throw new UsageError(`Give a template name: herald templates ${action} <name> ….`);
    const protocol = action === 'create' ? values.protocol : third;
    if (!protocol) throw new UsageError(action === 'create' ? 'Give --protocol (default, or a platform).' : 'Give the protocol: herald templates update <name> <protocol> ….');
    if (action === 'create' && third !== undefined) throw new UsageError(`Give the protocol with --protocol, not as "${third}".`);
    const content = await contentOf(values, dash, io);
    const t =
      action === 'create'
        ? await client(values).call<Template>('POST', '/v1/templates', { name, protocol, content })
        : await client(values).call<Template>('PUT', `/v1/templates/${enc(name)}/${enc(protocol)}`, { content });
    io.out(values.json ? json(t) : `${action === 'create' ? 'created' : 'updated'} template ${t.name}/${t.protocol}`);
    return 0;
  }
  if (action === 'delete' || action === 'rm') {
    if (!name || !third) throw new UsageError('Give the name and protocol: herald templates delete <name> <protocol>.');
    await client(values).call('DELETE', `/v1/templates/${enc(name)}/${enc(third)}`);
    io.out(values.json ? json({ deleted: `${name}/${third}` }) : `deleted template ${name}/${third}`);
    return 0;
  }
  throw new UsageError(`Give an action: list, create, update or delete (not "${action}").`);
}

const firstLine = (s: string, max = 50) => {
  const line = s.split('\n')[0] ?? '';
  return line.length > max || s.includes('\n') ? `${line.slice(0, max - 1)}…` : line;
};

export const TOKENS_HELP = `Usage: herald tokens list
       herald tokens create <name> --scope <scope> [--scope <scope> …]
       herald tokens delete <name>

Scopes: admin, publish:<topic>, publish:*. A new token is printed once (stored hashed).`;

interface TokenInfo {
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt?: string;
  token?: string;
}

export async function tokensCommand(args: string[], io: Io, client: Client): Promise<number> {
  const { values, positionals } = parse(args, { scope: { type: 'string', multiple: true } });
  if (values.help) {
    io.out(TOKENS_HELP);
    return 0;
  }
  const [action, name, ...rest] = positionals;
  if (rest.length) throw new UsageError(`Too many arguments: ${rest.join(' ')}.`);
  if (action === 'list' || action === 'ls' || action === undefined) {
    const body = await client(values).call<{ tokens: TokenInfo[] }>('GET', '/v1/tokens');
    if (values.json) io.out(json(body));
    else io.out(table(['NAME', 'SCOPES', 'CREATED', 'LAST USED'], body.tokens.map((t) => [t.name, t.scopes.join(' '), t.createdAt, t.lastUsedAt ?? 'never'])));
    return 0;
  }
  if (action === 'create') {
    if (!name) throw new UsageError('Give a token name: herald tokens create <name> --scope <scope>.');
    if (!values.scope?.length) throw new UsageError('Give at least one --scope (admin, publish:<topic> or publish:*).');
    const t = await client(values).call<TokenInfo>('POST', '/v1/tokens', { name, scopes: values.scope });
    if (values.json) io.out(json(t));
    else {
      io.out(t.token ?? '');
      io.err(`created token ${t.name} (${t.scopes.join(' ')}): it is shown this once, keep it now\n`);
    }
    return 0;
  }
  if (action === 'delete' || action === 'rm' || action === 'revoke') {
    if (!name) throw new UsageError('Give a token name: herald tokens delete <name>.');
    await client(values).call('DELETE', `/v1/tokens/${enc(name)}`);
    io.out(values.json ? json({ deleted: name }) : `deleted token ${name}`);
    return 0;
  }
  throw new UsageError(`Give an action: list, create or delete (not "${action}").`);
}

export const DELIVERIES_HELP = `Usage: herald deliveries list [--failed | --status pending|delivered|failed|muted|held] [--topic <t>]
                               [--subscription <id>] [--limit <n>] [--cursor <c> | --all]
       herald deliveries replay --failed [--topic <t>] [--subscription <id>] [--since <iso>] [--until <iso>] [--dry-run]
       herald deliveries replay <deliveryId>

"replay --failed" sends every matching failed delivery again, each with a fresh attempt history,
and says how many; --dry-run only counts.

"list" shows one page, newest message first, and the command for the next one; --all pages
through to the end.`;

interface ReplayAnswer {
  matched: number;
  replayed: number;
  more: boolean;
}

export async function deliveriesCommand(args: string[], io: Io, client: Client): Promise<number> {
  const { values, positionals } = parse(args, {
    failed: { type: 'boolean' },
    status: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    all: { type: 'boolean' },
    topic: { type: 'string' },
    subscription: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (values.help) {
    io.out(DELIVERIES_HELP);
    return 0;
  }
  const [action, id, ...rest] = positionals;
  if (rest.length) throw new UsageError(`Too many arguments: ${rest.join(' ')}.`);
  if (action === 'list' || action === 'ls') {
    if (values.failed && values.status && values.status !== 'failed') throw new UsageError('Give --failed or --status, not both.');
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit takes a positive whole number; got "${values.limit}".`);
    const query: Record<string, string> = { limit: String(limit) };
    const status = values.failed ? 'failed' : values.status;
    if (status) query.status = status;
    if (values.topic) query.topic = values.topic;
    if (values.subscription) query.subscription = values.subscription;
    const api = client(values);
    const rows: DeliveryView[] = [];
    let cursor = values.cursor;
    let next: string | null = null;
    do {
      const q = new URLSearchParams(cursor ? { ...query, cursor } : query);
      const body = await api.call<{ deliveries: DeliveryView[]; next: string | null }>('GET', `/v1/deliveries?${q}`);
      rows.push(...body.deliveries);
      next = body.next;
      cursor = next ?? undefined;
    } while (values.all && next);
    if (values.json) io.out(json({ deliveries: rows, next }));
    else if (rows.length === 0 && !next) io.out(status ? `no ${status} deliveries` : 'no deliveries');
    else {
      if (rows.length) io.out(table(['DELIVERY', 'STATUS', 'TOPIC', 'PROTOCOL', 'ATTEMPTS', 'LAST ERROR'], rows.map((d) => [d.id, d.status, d.topic, d.protocol, d.attempts, `${d.lastError ?? ''}${d.lastCode !== undefined ? ` (${d.lastCode})` : ''}`])));
      if (next) io.err(`more: ${nextCommand(['deliveries', 'list'], query, next)}\n`);
    }
    return 0;
  }
  if (action === 'replay') {
    if (id !== undefined) {
      if (values.failed || values.topic || values.subscription) throw new UsageError('Give a delivery id or --failed with filters, not both.');
      const d = await client(values).call<DeliveryView>('POST', `/v1/deliveries/${enc(id)}/replay`);
      io.out(values.json ? json(d) : `replayed ${d.id}: ${d.status} again`);
      return 0;
    }
    if (!values.failed) throw new UsageError('Give --failed (only failed deliveries are replayed) or a delivery id.');
    const body = { status: 'failed', topic: values.topic, subscription: values.subscription, since: values.since, until: values.until, dryRun: values['dry-run'] || undefined };
    const r = await client(values).call<ReplayAnswer>('POST', '/v1/deliveries/replay', body);
    const where = values.topic ? ` of topic ${values.topic}` : '';
    if (values.json) io.out(json(r));
    else if (values['dry-run']) io.out(`${r.matched} failed deliveries${where} would be replayed`);
    else io.out(`replayed ${r.replayed} failed deliveries${where}${r.more ? '; more remain: run it again' : ''}`);
    return 0;
  }
  throw new UsageError(`Give an action: list or replay (not "${action ?? ''}").`);
}

/** The command line that shows the page after this one. */
export function nextCommand(command: string[], query: Record<string, string>, cursor: string): string {
  const flags = Object.entries(query).flatMap(([k, v]) => [`--${k}`, v]);
  return ['herald', ...command, ...flags, '--cursor', cursor].join(' ');
}

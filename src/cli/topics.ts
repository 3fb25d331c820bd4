/** `herald topics [create <name>]` and `herald subscribe <topic> …`. */
import { type ApiClient, UsageError } from './client.js';
import { type Io, parse } from './options.js';

/** One line per registered protocol: its endpoint field's example (adapters' `describe`). */
function endpointExamples(factories: readonly { protocol: string; describe: { fields: { name: string; example: string }[] } }[]): string {
  const width = Math.max(...factories.map((f) => f.protocol.length));
  return factories
    .map((f) => `                     ${f.protocol.padEnd(width)}  ${f.describe.fields.find((x) => x.name === 'endpoint')?.example ?? ''}`)
    .join('\n');
}

export const TOPICS_HELP = `Usage: herald topics [list]               list topics with their subscription counts
       herald topics create <name> [--display-name <text>]
       herald topics delete <name>           deletes the topic and its subscriptions`;

/** The protocols come from the adapter registry, loaded only for this help (it is slow to load, and no other command needs it). */
export async function subscribeHelp(): Promise<string> {
  const { adapterFactories } = await import('../../adapters/index.js');
  const { protocolList } = await import('../protocols/describe.js');
  return `Usage: herald subscribe <topic> --protocol <p> --endpoint <url> [--secret <s>] [--keyword <k>] [--remark <r>]

Subscribes a robot or webhook to a topic.
  --protocol <p>   ${protocolList()}
  --endpoint <e>   what the protocol takes, e.g.
${endpointExamples(adapterFactories)}
  --secret <s>     the robot's signing secret (webhook: the key Herald signs with)
  --keyword <k>    the robot's custom keyword, always put in the content
  --remark <r>     a note for people reading the list
The endpoint and secret are stored encrypted and never shown again.`;
}

interface Topic {
  name: string;
  displayName: string;
  subscriptionCount: number;
}

export async function topicsCommand(args: string[], io: Io, client: (v: { url?: string; token?: string }) => ApiClient): Promise<number> {
  const { values, positionals } = parse(args, { 'display-name': { type: 'string' } });
  if (values.help) {
    io.out(TOPICS_HELP);
    return 0;
  }
  const [action, name, ...rest] = positionals;
  if (action === 'create') {
    if (!name || rest.length) throw new UsageError('Give one topic name: herald topics create <name>.');
    const t = await client(values).call<Topic>('POST', '/v1/topics', { name, displayName: values['display-name'] });
    io.out(values.json ? JSON.stringify(t, null, 2) : `created topic ${t.name}`);
    return 0;
  }
  if (action === 'delete' || action === 'rm') {
    if (!name || rest.length) throw new UsageError('Give one topic name: herald topics delete <name>.');
    await client(values).call('DELETE', `/v1/topics/${encodeURIComponent(name)}`);
    io.out(values.json ? JSON.stringify({ deleted: name }, null, 2) : `deleted topic ${name} and its subscriptions`);
    return 0;
  }
  if (action !== undefined && action !== 'list' && action !== 'ls') {
    throw new UsageError(`Unknown topics action "${action}"; use list, create or delete.`);
  }
  const { topics } = await client(values).call<{ topics: Topic[] }>('GET', '/v1/topics');
  if (values.json) io.out(JSON.stringify({ topics }, null, 2));
  else if (topics.length === 0) io.out('no topics yet; create one with: herald topics create <name>');
  else {
    const width = Math.max(4, ...topics.map((t) => t.name.length));
    io.out(`${'NAME'.padEnd(width)}  SUBSCRIPTIONS  DISPLAY NAME`);
    for (const t of topics) io.out(`${t.name.padEnd(width)}  ${String(t.subscriptionCount).padStart(13)}  ${t.displayName}`);
  }
  return 0;
}

interface Subscription {
  id: string;
  topic: string;
  protocol: string;
  endpoint: string;
}

export async function subscribeCommand(args: string[], io: Io, client: (v: { url?: string; token?: string }) => ApiClient): Promise<number> {
  const { values, positionals } = parse(args, {
    protocol: { type: 'string' },
    endpoint: { type: 'string' },
    secret: { type: 'string' },
    keyword: { type: 'string' },
    remark: { type: 'string' },
  });
  if (values.help) {
    io.out(await subscribeHelp());
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Give one topic: herald subscribe <topic> --protocol <p> --endpoint <url>.');
  if (!values.protocol || !values.endpoint) throw new UsageError('Give --protocol and --endpoint (see herald subscribe --help).');
  const topic = positionals[0]!;
  const body = { protocol: values.protocol, endpoint: values.endpoint, secret: values.secret, keyword: values.keyword, remark: values.remark };
  const s = await client(values).call<Subscription>('POST', `/v1/topics/${encodeURIComponent(topic)}/subscriptions`, body);
  io.out(values.json ? JSON.stringify(s, null, 2) : `subscribed ${s.id}: ${s.protocol} ${s.endpoint} to ${s.topic}`);
  return 0;
}

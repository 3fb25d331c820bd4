/** `herald publish <topic> [text | -]`: one message to a topic; `-` (or a pipe) reads stdin. */
import { type ApiClient, UsageError } from './client.js';
import { type Io, parse, readStdin } from './options.js';
import { counts, printRecords, timeoutOf, waitSettled } from './records.js';

export const PUBLISH_HELP = `Usage: herald publish <topic> [text | -] [options]

Publishes a message; with no text (or "-") the message is read from stdin.
  --subject <s>          a title shown above the message
  --level <l>            info, success, warning, error or critical
  --format <f>           markdown (default) or text
  --content-type <type>  send stdin/text as-is with this type (e.g. an Alertmanager JSON payload)
  --idempotency-key <k>  a repeat with the same key delivers nothing again
  --wait                 then follow the deliveries until none is pending (see: herald records --help)
  --timeout <s>          with --wait: give up after this many seconds

Examples:
  herald publish deploys "api v2.3 is live"
  df -h | herald publish ops --subject "disk report" --format text
  curl -s http://am/payload | herald publish alerts - --content-type application/json`;

interface Published {
  messageId: string;
  deliveries: number;
  duplicate?: boolean;
}

export async function publishCommand(args: string[], io: Io, client: (v: { url?: string; token?: string }) => ApiClient): Promise<number> {
  const { values, positionals } = parse(args, {
    subject: { type: 'string' },
    level: { type: 'string' },
    format: { type: 'string' },
    'content-type': { type: 'string' },
    'idempotency-key': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  if (values.help) {
    io.out(PUBLISH_HELP);
    return 0;
  }
  const [topic, text, ...rest] = positionals;
  if (!topic) throw new UsageError('Give a topic: herald publish <topic> [text | -].');
  if (rest.length) throw new UsageError('Give the text as one argument (quote it), or "-" to read stdin.');
  const timeoutS = timeoutOf(values.timeout);
  const api = client(values);

  let message = text;
  if (message === undefined || message === '-') {
    if (message === undefined && io.stdin.isTTY) throw new UsageError('Give the text, or pipe it in: echo hi | herald publish <topic> -.');
    message = await readStdin(io.stdin);
  }
  if (message.trim() === '') throw new UsageError('The message is empty.');

  const headers: Record<string, string> = {};
  if (values['idempotency-key'] !== undefined) headers['idempotency-key'] = values['idempotency-key'];
  const path = `/v1/topics/${encodeURIComponent(topic)}/publish`;
  let res: Published;
  if (values['content-type']) {
    if (values.subject || values.level || values.format) throw new UsageError('--content-type sends the body as-is: drop --subject, --level and --format.');
    res = await api.call<Published>('POST', path, message, { contentType: values['content-type'], headers });
  } else {
    const body = { message, subject: values.subject, level: values.level, format: values.format };
    res = await api.call<Published>('POST', path, body, { headers });
  }

  if (!values.wait) {
    if (values.json) io.out(JSON.stringify(res, null, 2));
    else io.out(`${res.duplicate ? 'already published' : 'published'} ${res.messageId} to ${res.deliveries} subscription(s)`);
    return 0;
  }
  const m = await waitSettled(api, res.messageId, io, timeoutS);
  if (values.json) io.out(JSON.stringify(m, null, 2));
  else printRecords(m, io);
  return counts(m).failed > 0 ? 1 : 0;
}

/** Command-line parsing shared by every command: node:util parseArgs plus the global options. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type ApiClient, createClient, UsageError } from './client.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** progress lines are redrawn in place on a terminal, printed one per change otherwise */
  tty: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:8711';

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const GLOBAL_HELP = `Options for every command:
  --url <url>      Herald's address (env HERALD_URL; default ${DEFAULT_URL})
  --token <token>  API token (env HERALD_TOKEN; prefer the env: flags show in ps)
  --json           print the API's JSON answer instead of a summary
  -h, --help       show help`;

/** parseArgs, strict, with the global options added; unknown options and missing values are usage errors. */
export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

export function clientFrom(values: { url?: string; token?: string }, io: Io): ApiClient {
  const url = values.url ?? io.env.HERALD_URL ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL; give Herald's address such as ${DEFAULT_URL}.`);
  }
  const token = values.token ?? io.env.HERALD_TOKEN;
  if (!token) throw new UsageError('No token: set HERALD_TOKEN or pass --token.');
  return createClient(url, token);
}

/** Reads all of stdin as UTF-8 text. */
export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

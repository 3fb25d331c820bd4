/** `herald serve`: runs the server exactly as `npm start` does (src/main.ts), flags mapped to env. */
import { UsageError } from './client.js';
import type { Io } from './options.js';
import { parseArgs } from 'node:util';

export const SERVE_HELP = `Usage: herald serve [--port <n>] [--host <addr>] [--data-dir <dir>] [--config <file>]

Starts Herald. Every flag has an environment variable (HERALD_PORT, HERALD_HOST, HERALD_DATA_DIR,
HERALD_CONFIG); see the README for the rest. SIGTERM or Ctrl-C finishes deliveries in flight, then exits.`;

const FLAG_ENV = { port: 'HERALD_PORT', host: 'HERALD_HOST', 'data-dir': 'HERALD_DATA_DIR', config: 'HERALD_CONFIG' } as const;

/** Returns undefined: the server runs until a signal, and src/main.ts owns the exit. */
export async function serveCommand(args: string[], io: Io): Promise<number | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    io.out(SERVE_HELP);
    return 0;
  }
  for (const [flag, name] of Object.entries(FLAG_ENV)) {
    const v = values[flag];
    if (typeof v === 'string') io.env[name] = v;
  }
  await import('../main.js');
  return undefined;
}

/** The `herald` command line: dispatch, help, and one place that turns errors into messages and exit codes. */
import { ApiError, UsageError } from './client.js';
import { messagesCommand } from './messages.js';
import { clientFrom, GLOBAL_HELP, type Io } from './options.js';
import { publishCommand } from './publish.js';
import { recordsCommand } from './records.js';
import { serveCommand } from './serve.js';
import { deliveriesCommand, subscriptionsCommand, templatesCommand, tokensCommand } from './resources.js';
import { tailCommand } from './tail.js';
import { subscribeCommand, topicsCommand } from './topics.js';

export const HELP = `herald — publish to topics and follow deliveries on a Herald server

Usage: herald <command> [arguments] [options]

Commands:
  serve                                   start the server (like npm start)
  publish <topic> [text | -]              publish a message (stdin with "-" or a pipe)
  topics [list | create <name> | delete <name>]
                                          topics
  subscriptions list <topic> | create <topic> --protocol p --endpoint e | delete <id>
                                          robots and webhooks subscribed to a topic
  subscribe <topic> --protocol p --endpoint e [--secret s] [--keyword k]
                                          the same as subscriptions create
  templates [list | create <name> --protocol p --content c | update <name> <p> | delete <name> <p>]
                                          message templates
  tokens [list | create <name> --scope s | delete <name>]
                                          API tokens
  deliveries list [--failed | --status s] [--topic t] [--subscription id] [--all]
                                          deliveries, a page at a time
  deliveries replay --failed [--topic t] [--dry-run] | replay <deliveryId>
                                          failed deliveries, replayed all at once
  messages <topic> [--since iso] [--until iso] [--all]
                                          a topic's messages, newest first, a page at a time
  records <messageId> [--wait]            what happened to each delivery
  tail <topic>                            follow new messages and their deliveries

${GLOBAL_HELP}

Exit codes: 0 done, 1 Herald refused or could not be reached (or a delivery failed), 2 bad usage.
Run "herald <command> --help" for a command's options.`;

type Command = (args: string[], io: Io, client: (v: { url?: string; token?: string }) => ReturnType<typeof clientFrom>) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  publish: publishCommand,
  topics: topicsCommand,
  subscribe: subscribeCommand,
  subscriptions: subscriptionsCommand,
  templates: templatesCommand,
  tokens: tokensCommand,
  deliveries: deliveriesCommand,
  records: recordsCommand,
  messages: messagesCommand,
  tail: tailCommand,
};

/** Runs one command line; the exit code, or undefined when a server was started and keeps running. */
export async function runCli(argv: string[], io: Io): Promise<number | undefined> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(HELP);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.out((await import('../openapi/document.js')).openApiDocument().info.version);
      return 0;
    }
    if (name === 'serve') return await serveCommand(args, io);
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`Unknown command "${name}". Commands: serve, ${Object.keys(COMMANDS).join(', ')}.`);
    return await command(args, io, (v) => clientFrom(v, io));
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`herald: ${err.message}\nRun "herald ${name && name in COMMANDS ? `${name} ` : ''}--help" for usage.\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      io.err(`herald: ${err.message} (${err.code}${err.status ? `, HTTP ${err.status}` : ''})\n`);
      return 1;
    }
    io.err(`herald: ${(err as Error).message}\n`);
    return 1;
  }
}

/** The only file that touches the process: start, print the first admin token once, stop on signals. */
import { ConfigError } from './config/load.js';
import { startHerald } from './server.js';

async function main(): Promise<void> {
  const started = Date.now();
  const running = await startHerald();
  const { herald, port, generatedAdminToken } = running;
  const { config, log } = herald;
  if (generatedAdminToken) {
    // Printed once, straight to the terminal: it is stored only as a hash.
    process.stdout.write(
      `\n  Herald generated an admin token. It is shown only this once; keep it safe:\n\n    ${generatedAdminToken}\n\n` +
        '  (set HERALD_ADMIN_TOKEN to choose your own instead)\n\n',
    );
  }
  log.info(`Herald listening on http://${config.host}:${port}`, {
    store: herald.store.kind,
    dataDir: herald.store.kind === 'sqlite' ? config.dataDir : undefined,
    platforms: [...herald.adapters.keys()],
    startupMs: Date.now() - started,
  });

  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      log.warn('second signal: exiting now; pending deliveries stay queued for the next start');
      process.exit(1);
    }
    log.info(`${signal}: taking no new work, finishing deliveries in flight`);
    running.stop().then(
      () => {
        log.info('stopped; queued deliveries resume at the next start');
        process.exit(0);
      },
      (err) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Herald could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

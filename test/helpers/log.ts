/** Herald's own logger, redaction included, keeping every JSON line it writes: to read what was logged. */
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/log.js';

export function keptLog(level = 'silly'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level, format: 'json' }, [new winston.transports.Stream({ stream: sink })]), lines };
}

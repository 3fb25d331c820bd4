/** A local webhook receiver that records every request, and can be told to fail or stall. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Hit {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface Receiver {
  url: string;
  hits: Hit[];
  /** answer the next n requests with this HTTP status */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

export async function startReceiver(opts: { delayMs?: number } = {}): Promise<Receiver> {
  const hits: Hit[] = [];
  let failing = 0;
  let failStatus = 500;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (failing > 0) {
        failing -= 1;
        res.writeHead(failStatus).end('failing on purpose');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {}
      hits.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body, json });
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    failNext(n, status = 500) {
      failing = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

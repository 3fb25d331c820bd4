/**
 * A small forward proxy on node:http, as corporate proxies behave: CONNECT tunnels (what undici's
 * ProxyAgent and https-proxy-agent use for http and https targets alike) and absolute-URI requests
 * (what a plain HTTP proxy client sends). It records what it was asked for, can require
 * Proxy-Authorization, and only ever connects to loopback addresses.
 */
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  port: number;
  /** "host:port" of every CONNECT, in order */
  connects: string[];
  /** the absolute URI of every plain (non-CONNECT) request */
  requests: string[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export async function startConnectProxy(opts: { auth?: { user: string; password: string } } = {}): Promise<ConnectProxy> {
  const connects: string[] = [];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}` : undefined;
  const authorized = (header: string | undefined) => !expected || header === expected;

  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (!authorized(req.headers['proxy-authorization'])) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!LOOPBACK.has(target.hostname)) {
      res.writeHead(403).end('this test proxy only reaches loopback');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });

  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    connects.push(req.url ?? '');
    if (!authorized(req.headers['proxy-authorization'])) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m || !LOOPBACK.has(m[1]!)) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const up = connect(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
    client.on('close', () => up.destroy());
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

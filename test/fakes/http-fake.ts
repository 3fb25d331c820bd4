/**
 * The plumbing the HTTP platform fakes share: a loopback server, raw bodies, sliding windows,
 * the received/rejected logs and failNext. The platform rules live in each fake.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Received, Rejection } from './types.js';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeRequest {
  req: IncomingMessage;
  url: URL;
  raw: string;
  /** the media type of Content-Type, lower-cased; '' when absent */
  mediaType: string;
  /** its charset parameter, lower-cased, when given */
  charset?: string;
}

export interface HttpFake {
  baseUrl: string;
  received: Received[];
  rejections: Rejection[];
  failNext(n: number): void;
  close(): Promise<void>;
}

/** `handle` answers one request; `failure` is what failNext makes the next requests answer. */
export async function startHttpFake(handle: (r: FakeRequest, log: HttpFake) => Answer, failure: Answer): Promise<HttpFake> {
  let failures = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ct = String(req.headers['content-type'] ?? '');
      const [type, ...params] = ct.split(';');
      const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='))?.slice(8);
      const r: FakeRequest = { req, url: new URL(req.url ?? '/', 'http://fake'), raw: Buffer.concat(chunks).toString('utf8'), mediaType: (type ?? '').trim().toLowerCase(), charset };
      let answer: Answer;
      if (failures > 0) {
        failures--;
        answer = failure;
      } else {
        answer = handle(r, fake);
      }
      const json = answer.body !== undefined && typeof answer.body !== 'string';
      res.writeHead(answer.status, {
        ...(answer.body !== undefined ? { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' } : {}),
        ...answer.headers,
      });
      res.end(answer.body === undefined ? undefined : json ? JSON.stringify(answer.body) : String(answer.body));
    });
  });
  // platforms keep idle connections open longer than Node's 5 s default
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: HttpFake = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: [],
    rejections: [],
    failNext(n) {
      failures = n;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return fake;
}

/** A sliding window per key: `take` says how long to wait (ms) when full, else records a send and returns 0. */
export class Windows {
  private readonly sent = new Map<string, number[]>();
  take(key: string, windows: readonly { max: number; perMs: number }[], now = Date.now()): number {
    const log = this.sent.get(key) ?? [];
    let wait = 0;
    for (const w of windows) {
      const inside = log.filter((t) => t > now - w.perMs);
      if (inside.length >= w.max) wait = Math.max(wait, inside[inside.length - w.max]! + w.perMs - now);
    }
    if (wait > 0) return wait;
    log.push(now);
    const longest = Math.max(...windows.map((w) => w.perMs));
    this.sent.set(key, log.filter((t) => t > now - longest));
    return 0;
  }
}

export const byEndpoint = <T extends { endpoint: string }>(list: T[], endpoint?: string): T[] => list.filter((x) => !endpoint || x.endpoint === endpoint);

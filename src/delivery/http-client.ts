/**
 * The one HTTP client adapters send through: keep-alive pools per host (undici), a timeout per
 * attempt, redirects never followed, answers read up to 64 KB, the outbound proxy from the
 * environment (src/delivery/proxy.ts), and an address guard checked when the connection is made
 * (directly) or before the request is handed to the proxy.
 */
import type { EventEmitter } from 'node:events';
import type { LookupFunction } from 'node:net';
import { type Dispatcher, request as undiciRequest } from 'undici';
import type { HttpClient, HttpResult } from '../../adapters/types.js';
import { describeNetworkError, NetworkError } from './network-errors.js';
import { OutboundDispatcher } from './proxy.js';

/** The most of an answer Herald reads: every platform answers in well under 1 KB. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface HttpClientOptions {
  timeoutMs: number;
  /** Called with the resolved address before connecting; throw to refuse (SSRF guard). */
  lookup?: LookupFunction;
  /**
   * Checks a target host before a request goes to it through a proxy (the proxy resolves the name,
   * so `lookup` never sees it); reject to refuse. Without it, proxied requests are not checked.
   */
  checkProxiedTarget?: (hostname: string) => Promise<void>;
  /** A fixed dispatcher (tests): no proxy routing. */
  dispatcher?: Dispatcher;
  maxAnswerBytes?: number;
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

/** Reads at most `max` bytes; past that, stops reading (the connection is closed) and throws. */
function readBounded(body: Dispatcher.ResponseData['body'], max: number, url: URL): Promise<string> {
  // plain stream events, not `for await`: an async iterator per answer is a heap of promises and
  // listeners, 100,000 times in a large fan-out
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        body.destroy();
        reject(
          new NetworkError(
            `answer too large: ${url.host} sent more than ${Math.round(max / 1024)} KB in its answer; Herald stopped reading and will retry (a receiver should answer briefly)`,
            'answer_too_large',
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    body.on('error', reject);
  });
}

/** The answer; its headers become a `Headers` only when an adapter looks at them (most never do). */
function result(status: number, raw: Record<string, string | string[] | undefined>, body: string): HttpResult {
  let headers: Headers | undefined;
  return {
    status,
    body,
    get headers() {
      headers ??= toHeaders(raw);
      return headers;
    },
  };
}

/**
 * An attempt's deadline, as undici's `signal`: undici takes an emitter (`on`/`addListener`/
 * `removeListener`, `aborted`, `reason`) in place of an AbortSignal. An AbortController and its
 * signal (an EventTarget with its listener maps) per attempt weigh several times more, and live as
 * long as the request is on the wire: in a large fan-out, that is what the garbage collector keeps
 * promoting.
 */
class Deadline {
  aborted = false;
  reason: Error | undefined;
  private listener: (() => void) | undefined;
  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }
  addListener(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }
  removeListener(): this {
    this.listener = undefined;
    return this;
  }
  expire(): void {
    this.aborted = true;
    this.reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    this.listener?.();
  }
}

export function createHttpClient(opts: HttpClientOptions): HttpClient & { close(): Promise<void> } {
  const maxBytes = opts.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const outbound = opts.dispatcher
    ? undefined
    : new OutboundDispatcher({
        keepAliveTimeout: 30_000,
        connections: 64,
        connect: opts.lookup ? { lookup: opts.lookup } : undefined,
      });
  // undici's request API, not fetch: no WHATWG streams or Request objects per attempt (a third of
  // the CPU of a large fan-out went to them). Redirects are not followed (no maxRedirections).
  const request = async (method: Dispatcher.HttpMethod, url: string, body?: string, headers?: Record<string, string>): Promise<HttpResult> => {
    const parsed = new URL(url);
    const route = outbound ? outbound.route(parsed) : { dispatcher: opts.dispatcher!, proxy: undefined };
    // A timer cleared when the answer is in: AbortSignal.timeout() keeps every signal alive for the
    // full timeout, tens of thousands of them in a large fan-out.
    const deadline = new Deadline();
    const timer = setTimeout(() => deadline.expire(), opts.timeoutMs);
    try {
      if (route.proxy && opts.checkProxiedTarget) await opts.checkProxiedTarget(parsed.hostname.replace(/^\[|\]$/g, ''));
      const res = await undiciRequest(parsed, {
        method,
        body,
        headers: { 'user-agent': 'Herald', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        dispatcher: route.dispatcher,
        signal: deadline as unknown as EventEmitter,
      });
      const text = await readBounded(res.body, maxBytes, parsed);
      return result(res.statusCode, res.headers, text);
    } catch (err) {
      throw describeNetworkError(err, parsed, { proxy: route.proxy, timedOutAfterMs: deadline.aborted ? opts.timeoutMs : undefined });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    post: (url, body, headers) => request('POST', url, body, headers),
    get: (url, headers) => request('GET', url, undefined, headers),
    put: (url, body, headers) => request('PUT', url, body, headers),
    close: async () => {
      await outbound?.close();
    },
  };
}

/**
 * The one HTTP client adapters send through: keep-alive pools per host (undici), a timeout per
 * attempt, redirects never followed, answers read up to 64 KB, the outbound proxy from the
 * environment (src/delivery/proxy.ts), and an address guard checked when the connection is made
 * (directly) or before the request is handed to the proxy.
 */
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
async function readBounded(body: Dispatcher.ResponseData['body'], max: number, url: URL): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new NetworkError(
        `answer too large: ${url.host} sent more than ${Math.round(max / 1024)} KB in its answer; Herald stopped reading and will retry (a receiver should answer briefly)`,
        'answer_too_large',
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), opts.timeoutMs);
    try {
      if (route.proxy && opts.checkProxiedTarget) await opts.checkProxiedTarget(parsed.hostname.replace(/^\[|\]$/g, ''));
      const res = await undiciRequest(parsed, {
        method,
        body,
        headers: { 'user-agent': 'Herald', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        dispatcher: route.dispatcher,
        signal: abort.signal,
      });
      const text = await readBounded(res.body, maxBytes, parsed);
      return { status: res.statusCode, headers: toHeaders(res.headers), body: text };
    } catch (err) {
      throw describeNetworkError(err, parsed, { proxy: route.proxy, timedOutAfterMs: abort.signal.aborted ? opts.timeoutMs : undefined });
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

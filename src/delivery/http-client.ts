/**
 * The one HTTP client adapters send through: keep-alive pools per host (undici), a timeout per
 * attempt, redirects never followed, and an address guard checked when the connection is made.
 */
import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import type { HttpClient, HttpResult } from '../../adapters/types.js';

export interface HttpClientOptions {
  timeoutMs: number;
  /** Called with the resolved address before connecting; throw to refuse (SSRF guard). */
  lookup?: LookupFunction;
  dispatcher?: Dispatcher;
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient & { close(): Promise<void> } {
  const agent =
    opts.dispatcher ??
    new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      connect: opts.lookup ? { lookup: opts.lookup } : undefined,
    });
  // undici's request API, not fetch: no WHATWG streams or Request objects per attempt (a third of
  // the CPU of a large fan-out went to them). Redirects are not followed (no maxRedirections).
  const request = async (method: Dispatcher.HttpMethod, url: string, body?: string, headers?: Record<string, string>): Promise<HttpResult> => {
    // A timer cleared when the answer is in: AbortSignal.timeout() keeps every signal alive for the
    // full timeout, tens of thousands of them in a large fan-out.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), opts.timeoutMs);
    try {
      const res = await undiciRequest(url, {
        method,
        body,
        headers: { 'user-agent': 'Herald', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        dispatcher: agent,
        signal: abort.signal,
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: toHeaders(res.headers), body: text };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    post: (url, body, headers) => request('POST', url, body, headers),
    get: (url, headers) => request('GET', url, undefined, headers),
    close: async () => {
      if (!opts.dispatcher) await (agent as Agent).close();
    },
  };
}

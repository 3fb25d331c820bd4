/**
 * The one HTTP client adapters send through: keep-alive pools per host (undici), a timeout per
 * attempt, redirects never followed, and an address guard checked when the connection is made.
 */
import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';
import type { HttpClient, HttpResult } from '../../adapters/types.js';

export interface HttpClientOptions {
  timeoutMs: number;
  /** Called with the resolved address before connecting; throw to refuse (SSRF guard). */
  lookup?: LookupFunction;
  dispatcher?: Dispatcher;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient & { close(): Promise<void> } {
  const agent =
    opts.dispatcher ??
    new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      connect: opts.lookup ? { lookup: opts.lookup } : undefined,
    });
  const request = async (method: string, url: string, body?: string, headers?: Record<string, string>): Promise<HttpResult> => {
    const res = await undiciFetch(url, {
      method,
      body,
      headers: { 'user-agent': 'Herald', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      redirect: 'manual',
      dispatcher: agent,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    return { status: res.status, headers: res.headers as unknown as Headers, body: await res.text() };
  };
  return {
    post: (url, body, headers) => request('POST', url, body, headers),
    get: (url, headers) => request('GET', url, undefined, headers),
    close: async () => {
      if (!opts.dispatcher) await (agent as Agent).close();
    },
  };
}

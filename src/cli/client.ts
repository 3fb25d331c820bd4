/** The CLI's HTTP client: JSON in and out, API errors turned into ApiError with the server's code. */
import { ApiError, readAnswer } from '../client/answer.js';

export { ApiError };

/** Bad command-line input: exit code 2. */
export class UsageError extends Error {}

export interface ApiClient {
  base: string;
  call<T>(method: string, path: string, body?: unknown, opts?: { contentType?: string; headers?: Record<string, string> }): Promise<T>;
}

/** One request may take this long before the CLI gives up on it. */
export const REQUEST_TIMEOUT_MS = 30_000;

export function createClient(base: string, token: string | undefined): ApiClient {
  const root = base.replace(/\/+$/, '');
  return {
    base: root,
    async call<T>(method: string, path: string, body?: unknown, opts: { contentType?: string; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        headers['content-type'] = opts.contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
      }
      let res: Response;
      try {
        res = await fetch(root + path, { method, headers, body: payload, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new ApiError(0, 'unreachable', `Could not reach Herald at ${root} (${cause}); is it running? Set HERALD_URL or --url.`);
      }
      return readAnswer<T>(res);
    },
  };
}

/**
 * What a failed connection means, in one sentence with a hint: DNS, connection refused, timeout,
 * reset, TLS, or the proxy. It names the host and port (and the proxy's host), never a path or a
 * query, which may carry a robot token.
 */
import { BlockedAddressError } from '../security/guarded-lookup.js';
import { proxyLabel } from './proxy.js';

/** Thrown for a failed attempt that never got an answer; `message` says what failed and what to do. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN']);
const isTls = (code: string) =>
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|ERR_OSSL_)/.test(code) || code === 'EPROTO' || code === 'HOSTNAME_MISMATCH';

interface Errno {
  code?: string;
  hostname?: string;
  address?: string;
  port?: number;
  message?: string;
  cause?: unknown;
}

/** The innermost error that carries a system or undici code. */
function rootOf(err: unknown): Errno {
  let e = err as Errno | undefined;
  for (let i = 0; i < 5 && e; i++) {
    if (e.code && e.code !== 'UND_ERR_ABORTED' && !(e.cause && (e.cause as Errno).code)) return e;
    if (!e.cause) return e;
    e = e.cause as Errno;
  }
  return (e ?? {}) as Errno;
}

const portOf = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
const PROXY_HINT = 'if this network reaches the internet only through a proxy, set HTTPS_PROXY (and NO_PROXY for hosts to reach directly)';

/**
 * The error an attempt to `url` ends with, described. `proxy`: the proxy it went through.
 * `timeoutMs`: the attempt's bound, when the attempt was aborted by it.
 */
export function describeNetworkError(err: unknown, url: URL, opts: { proxy?: URL; timedOutAfterMs?: number } = {}): Error {
  if (err instanceof BlockedAddressError || err instanceof NetworkError) return err;
  const target = `${url.hostname}:${portOf(url)}`;
  const { proxy } = opts;
  const via = proxy ? ` through the proxy ${proxyLabel(proxy)}` : '';
  const make = (code: string, text: string) => new NetworkError(text, code, { cause: err });
  if (opts.timedOutAfterMs !== undefined) {
    return make('timeout', `timeout: no answer from ${target}${via} within ${opts.timedOutAfterMs} ms (delivery.timeoutMs)`);
  }
  const root = rootOf(err);
  const code = String(root.code ?? '');
  const message = String(root.message ?? (err as Error)?.message ?? err);
  // the proxy's own answer to CONNECT (undici: "Proxy response (407) !== 200 when HTTP Tunneling")
  const proxyStatus = /Proxy response \((\d{3})\)|Proxy Authentication Required \((\d{3})\)/.exec(message);
  if (proxy && proxyStatus) {
    const status = Number(proxyStatus[1] ?? proxyStatus[2]);
    const hint =
      status === 407
        ? 'check the user name and password in HTTPS_PROXY (http://user:password@host:port)'
        : status === 403
          ? `the proxy refuses ${url.hostname}: ask its operator to allow it, or list the host in NO_PROXY`
          : 'check the proxy, or list the host in NO_PROXY to connect directly';
    return make('proxy', `proxy: ${proxyLabel(proxy)} answered HTTP ${status} to CONNECT ${target}; ${hint}`);
  }
  // through a proxy Herald only ever connects to the proxy: a failed connection is the proxy's
  // (the proxy's trouble reaching the target comes back as its answer to CONNECT, above)
  const atProxy = !!proxy && (DNS.has(code) || code === 'ECONNREFUSED' || TIMEOUT.has(code) || UNREACHABLE.has(code));
  if (atProxy && proxy) {
    const what = DNS.has(code)
      ? `its host does not resolve (${code})`
      : code === 'ECONNREFUSED'
        ? 'it refused the connection (ECONNREFUSED)'
        : TIMEOUT.has(code)
          ? `no connection within the timeout (${code})`
          : `no route (${code})`;
    return make('proxy', `proxy: cannot reach the proxy ${proxyLabel(proxy)}: ${what}; check HTTPS_PROXY / HTTP_PROXY`);
  }
  if (DNS.has(code)) {
    return make('dns', `DNS: ${url.hostname} does not resolve (${code}); check the host name and this machine's DNS${proxy ? '' : `; ${PROXY_HINT}`}`);
  }
  if (code === 'ECONNREFUSED') {
    return make('connection_refused', `connection refused: ${target}${via} refused the connection (ECONNREFUSED); check the port, that the receiver runs, and firewalls${proxy ? '' : `; ${PROXY_HINT}`}`);
  }
  if (TIMEOUT.has(code)) {
    return make('timeout', `timeout: no connection to ${target}${via} (${code}); a firewall may drop the traffic${proxy ? '' : `; ${PROXY_HINT}`}`);
  }
  if (UNREACHABLE.has(code)) {
    return make('unreachable', `unreachable: no route to ${target} (${code}); check the network${proxy ? '' : `; ${PROXY_HINT}`}`);
  }
  if (isTls(code)) {
    return make(
      'tls',
      `TLS: the secure connection to ${target}${via} failed (${code}); check the host's certificate, or, if a proxy or firewall inspects TLS, give Node its CA with NODE_EXTRA_CA_CERTS`,
    );
  }
  if (RESET.has(code)) {
    return make('reset', `connection reset: ${target}${via} closed the connection before answering (${code})`);
  }
  return make(code || 'network', `${message.replace(/https?:\/\/\S+/g, (u) => safeOrigin(u))}${via ? ` (${via.trim()})` : ''}`);
}

/** A URL reduced to scheme and host, for error text. */
function safeOrigin(text: string): string {
  try {
    const u = new URL(text);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '[url]';
  }
}

/**
 * The delivery-time half of the SSRF guard. A name that resolved to a public address when it was
 * subscribed may resolve to 127.0.0.1 later (DNS rebinding), so every connection checks again:
 * `guardedLookup` is the `lookup` net/tls call before connecting (names), `guardHttpClient` checks
 * URLs whose host is already an IP literal (Node skips `lookup` for those).
 * https://nodejs.org/api/net.html#socketconnectoptions-connectlistener (lookup)
 */
import dns, { type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { HttpClient } from '../../adapters/types.js';
import { classifyAddress, ipLiteral } from './address.js';

export class BlockedAddressError extends Error {
  readonly code = 'EHERALDBLOCKED';
  constructor(hostname: string, address: string, range: string) {
    super(
      `Herald does not connect to ${hostname} (${address}, ${range}): only public addresses are allowed; ` +
        'name the host in HERALD_ALLOW_HOSTS for a private gateway',
    );
  }
}

/** The host names of HERALD_ALLOW_HOSTS entries (host[:port]), lower-cased; ports do not reach `lookup`. */
export function trustedHostnames(allowHosts: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const entry of allowHosts) {
    try {
      out.add(new URL(`http://${entry}`).hostname.toLowerCase());
    } catch {
      out.add(entry.toLowerCase());
    }
  }
  return out;
}

type DnsLookupAll = (hostname: string, options: dns.LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** A `lookup` for net.connect that resolves every address and refuses the connection if any is not public. */
export function guardedLookup(trusted: ReadonlySet<string>, base: DnsLookupAll = dns.lookup as DnsLookupAll): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      if (!trusted.has(hostname.toLowerCase())) {
        for (const a of addresses) {
          const verdict = classifyAddress(a.address);
          if (!verdict.ok) return callback(new BlockedAddressError(hostname, a.address, verdict.range));
        }
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
      if (options?.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

/** Refuses IP-literal URLs that are not public, and surfaces the guard's reason instead of "fetch failed". */
export function guardHttpClient<C extends HttpClient>(inner: C, trusted: ReadonlySet<string>): C {
  const check = (url: string) => {
    let hostname: string;
    try {
      hostname = new URL(url).hostname.toLowerCase();
    } catch {
      return; // the inner client reports the bad URL
    }
    const ip = ipLiteral(hostname);
    if (!ip || trusted.has(hostname)) return;
    const verdict = classifyAddress(ip);
    if (!verdict.ok) throw new BlockedAddressError(hostname, ip, verdict.range);
  };
  const unwrap = (err: unknown): never => {
    const cause = (err as { cause?: unknown })?.cause;
    throw cause instanceof BlockedAddressError ? cause : err;
  };
  return {
    ...inner,
    post: async (url, body, headers) => {
      check(url);
      return inner.post(url, body, headers).catch(unwrap);
    },
    get: async (url, headers) => {
      check(url);
      return inner.get(url, headers).catch(unwrap);
    },
  };
}

/**
 * The address check for a request sent through the outbound proxy: the proxy resolves the name, so
 * Herald resolves it first and refuses it unless every address is public, as at a direct connection.
 * Trusted hosts (HERALD_ALLOW_HOSTS, configured platform bases) and `exempt` hosts (the platforms'
 * own API hosts, which subscriptions are pinned to) are left for the proxy to resolve.
 */
export function proxiedTargetCheck(
  trusted: ReadonlySet<string>,
  exempt: () => ReadonlySet<string>,
  base: DnsLookupAll = dns.lookup as DnsLookupAll,
): (hostname: string) => Promise<void> {
  const lookup = guardedLookup(trusted, base);
  return (hostname) => {
    const host = hostname.toLowerCase();
    if (trusted.has(host) || exempt().has(host)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      lookup(host, { all: true }, (err) => {
        if (!err) return resolve();
        if (err instanceof BlockedAddressError) return reject(err);
        reject(
          Object.assign(
            new Error(
              `DNS: ${host} does not resolve here (${err.code ?? err.message}); Herald checks a webhook's address before sending it through the proxy: fix the name, or list the host in HERALD_ALLOW_HOSTS to let the proxy resolve it`,
            ),
            { code: 'EHERALDPROXYDNS' },
          ),
        );
      });
    });
  };
}

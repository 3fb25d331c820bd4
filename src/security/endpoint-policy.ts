/**
 * Which endpoints Herald will post to, checked when a subscription is made. Robot protocols: https
 * to the platform's own hosts. Webhooks: https to a name whose every address is public (resolved
 * now; src/security/guarded-lookup.ts checks again at every connection). HERALD_ALLOW_HOSTS opens
 * named host[:port]s (plain http and private addresses too) for private gateways and tests.
 */
import dns from 'node:dns';
import type { Adapter } from '../../adapters/types.js';
import { Errors } from '../errors.js';
import { classifyAddress, ipLiteral } from './address.js';

/** Every address a name resolves to. */
export type Resolve = (hostname: string) => Promise<string[]>;

const systemResolve: Resolve = async (hostname) => (await dns.promises.lookup(hostname, { all: true })).map((a) => a.address);

export class EndpointPolicy {
  private readonly extra: Set<string>;

  constructor(
    allowHosts: readonly string[],
    private readonly resolve: Resolve = systemResolve,
  ) {
    this.extra = new Set(allowHosts.map((h) => h.toLowerCase()));
  }

  /** host[:port] is named in HERALD_ALLOW_HOSTS (with or without its port) */
  isExtra(url: URL): boolean {
    return this.extra.has(url.host.toLowerCase()) || this.extra.has(url.hostname.toLowerCase());
  }

  /** Throws invalid_endpoint with the reason (naming the host, never the path or query); returns the parsed URL. */
  async check(adapter: Adapter, endpoint: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw Errors.invalidEndpoint(`The ${adapter.displayName} endpoint is not a URL.`);
    }
    if (adapter.endpointKind === 'address') return url;
    // before the HERALD_ALLOW_HOSTS allowance: credentials in a URL end up in logs and proxies, for any host
    if (url.username || url.password) throw Errors.invalidEndpoint('Endpoints may not carry a user name or password.');
    if (this.isExtra(url)) return url;
    if (url.protocol !== 'https:') {
      throw Errors.invalidEndpoint(`${adapter.displayName} endpoints must use https (or be listed in HERALD_ALLOW_HOSTS).`);
    }
    const hosts = adapter.allowedHosts;
    if (hosts) {
      if (!hosts.some((h) => hostMatches(h, url.hostname))) {
        throw Errors.invalidEndpoint(
          `${adapter.displayName} endpoints must be on ${hosts.join(' or ')} (or a host listed in HERALD_ALLOW_HOSTS).`,
        );
      }
      if (url.port !== '') throw Errors.invalidEndpoint(`${adapter.displayName} endpoints use the standard https port (443).`);
      return url;
    }
    await this.checkPublic(url.hostname);
    return url;
  }

  private async checkPublic(hostname: string): Promise<void> {
    const refuse = (what: string) =>
      Errors.invalidEndpoint(
        `${hostname} ${what}; webhooks go to public addresses only (name a private gateway in HERALD_ALLOW_HOSTS).`,
      );
    const literal = ipLiteral(hostname);
    let addresses: string[];
    if (literal) addresses = [literal];
    else {
      try {
        addresses = await this.resolve(hostname);
      } catch {
        throw Errors.invalidEndpoint(`${hostname} does not resolve; check the host name.`);
      }
      if (addresses.length === 0) throw Errors.invalidEndpoint(`${hostname} does not resolve; check the host name.`);
    }
    for (const a of addresses) {
      const verdict = classifyAddress(a);
      if (!verdict.ok) throw refuse(literal ? `is a ${verdict.range} address` : `resolves to ${a}, a ${verdict.range} address`);
    }
  }
}

/** `name` equals the allowed host, or, for `*.suffix`, is a subdomain of suffix. */
export function hostMatches(allowed: string, name: string): boolean {
  const host = name.toLowerCase();
  const a = allowed.toLowerCase();
  return a.startsWith('*.') ? host.endsWith(a.slice(1)) && host.length > a.length - 1 : host === a;
}

/**
 * Which endpoints Herald will post to. Robot protocols: https to the platform's own hosts. Webhooks:
 * https to public addresses. HERALD_ALLOW_HOSTS opens named host[:port]s (plain http too) for
 * private gateways and tests.
 */
import type { Adapter } from '../../adapters/types.js';
import { Errors } from '../errors.js';

export class EndpointPolicy {
  private readonly extra: Set<string>;

  constructor(allowHosts: readonly string[]) {
    this.extra = new Set(allowHosts.map((h) => h.toLowerCase()));
  }

  /** host[:port] is named in HERALD_ALLOW_HOSTS (with or without its port) */
  isExtra(url: URL): boolean {
    return this.extra.has(url.host.toLowerCase()) || this.extra.has(url.hostname.toLowerCase());
  }

  /** Throws invalid_endpoint with the reason; returns the parsed URL. */
  check(adapter: Adapter, endpoint: string): URL {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw Errors.invalidEndpoint(`The ${adapter.displayName} endpoint is not a URL.`);
    }
    if (this.isExtra(url)) return url;
    if (url.protocol !== 'https:') {
      throw Errors.invalidEndpoint(`${adapter.displayName} endpoints must use https (or be listed in HERALD_ALLOW_HOSTS).`);
    }
    if (url.username || url.password) throw Errors.invalidEndpoint('Endpoints may not carry a user name or password.');
    const hosts = adapter.allowedHosts;
    if (hosts && !hosts.includes(url.hostname.toLowerCase())) {
      throw Errors.invalidEndpoint(
        `${adapter.displayName} endpoints must be on ${hosts.join(' or ')} (or a host listed in HERALD_ALLOW_HOSTS).`,
      );
    }
    return url;
  }
}

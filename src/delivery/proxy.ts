/**
 * The outbound proxy: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case), read from the
 * environment at every request with proxy-from-env, the rules axios (inside the platform SDKs)
 * follows too, so every outbound request agrees on which hosts go through the proxy.
 *
 * - `OutboundDispatcher`: an undici dispatcher that sends each request through the proxy that
 *   applies to its origin (undici's ProxyAgent, a CONNECT tunnel for http and https alike) or
 *   directly. Deliveries use it (src/delivery/http-client.ts); any other outbound client (an
 *   Alertmanager API client …) takes one with `new OutboundDispatcher()` and passes it as
 *   `dispatcher` to undici's request/fetch.
 * - `proxyAgentFor(url)`: the same decision as a node:http Agent (https-proxy-agent), for
 *   libraries built on node:http, ws and axios: undefined means connect directly.
 * - `outboundAgent()`: one node:http Agent that makes that decision per connection (agent-base),
 *   for a client whose target is only known later (a WebSocket URL the platform hands out).
 *
 * Which proxy to use is the operator's choice and is never address-checked; the SSRF guard still
 * checks the target (src/delivery/http-client.ts).
 */
import http, { type Agent as NodeAgent, type ClientRequest } from 'node:http';
import https from 'node:https';
import { Agent as RoutingAgent, type AgentConnectOpts } from 'agent-base';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { Agent, Dispatcher, ProxyAgent } from 'undici';

/** The proxy a request to `url` goes through, or undefined when it connects directly. */
export function proxyFor(url: string | URL): URL | undefined {
  const href = typeof url === 'string' ? url : url.href;
  let proxy: string;
  try {
    proxy = getProxyForUrl(href);
  } catch {
    return undefined;
  }
  if (!proxy) return undefined;
  try {
    return new URL(proxy);
  } catch {
    throw new Error(`the proxy setting for ${new URL(href).protocol.replace(':', '')} (HTTPS_PROXY / HTTP_PROXY) is not a URL`);
  }
}

/** A proxy as messages name it: scheme, host and port, never a user name or password. */
export const proxyLabel = (proxy: URL): string => `${proxy.protocol}//${proxy.host}`;

/** Routes each request through the proxy for its origin (cached ProxyAgent per proxy), or directly. */
export class OutboundDispatcher extends Dispatcher {
  private readonly direct: Agent;
  private readonly proxies = new Map<string, ProxyAgent>();

  /** `options` apply to the direct connections and to each proxy's pool (keep-alive, connections …). */
  constructor(private readonly options: Agent.Options = {}) {
    super();
    this.direct = new Agent(options);
  }

  /** The dispatcher a request to `url` uses, and the proxy it goes through (if any). */
  route(url: string | URL): { dispatcher: Dispatcher; proxy?: URL } {
    const proxy = proxyFor(url);
    if (!proxy) return { dispatcher: this.direct };
    let agent = this.proxies.get(proxy.href);
    if (!agent) {
      const { connect: _direct, ...pool } = this.options;
      agent = new ProxyAgent({ ...pool, uri: proxy.href });
      this.proxies.set(proxy.href, agent);
    }
    return { dispatcher: agent, proxy };
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    return this.route(String(opts.origin)).dispatcher.dispatch(opts, handler);
  }

  override async close(): Promise<void> {
    await Promise.all([this.direct.close(), ...[...this.proxies.values()].map((p) => p.close())]);
  }

  // biome-ignore lint/suspicious/noExplicitAny: undici's overloads (promise or callback) in one body
  override destroy(...args: any[]): any {
    const err = args[0] instanceof Error ? args[0] : null;
    const done = Promise.all([this.direct.destroy(err), ...[...this.proxies.values()].map((p) => p.destroy(err))]).then(() => {});
    const cb = args.find((a) => typeof a === 'function');
    if (!cb) return done;
    done.then(cb, cb);
  }
}

const nodeAgents = new Map<string, NodeAgent>();

/** A node:http Agent that tunnels to `url` through its proxy (CONNECT), or undefined to connect directly. */
export function proxyAgentFor(url: string | URL): NodeAgent | undefined {
  const proxy = proxyFor(url);
  if (!proxy) return undefined;
  let agent = nodeAgents.get(proxy.href);
  if (!agent) {
    agent = new HttpsProxyAgent(proxy.href, { keepAlive: true });
    nodeAgents.set(proxy.href, agent);
  }
  return agent;
}

/** Decides per connection: through the target's proxy, or node's global agents (direct). */
class EnvironmentAgent extends RoutingAgent {
  connect(_req: ClientRequest, opts: AgentConnectOpts): NodeAgent {
    const host = opts.host?.includes(':') ? `[${opts.host}]` : opts.host;
    const url = `${opts.secureEndpoint ? 'https' : 'http'}://${host}:${opts.port}`;
    return proxyAgentFor(url) ?? (opts.secureEndpoint ? https.globalAgent : http.globalAgent);
  }
}

let environmentAgent: EnvironmentAgent | undefined;

/** A node:http Agent for http and https (and ws/wss) that honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY per target. */
export function outboundAgent(): NodeAgent {
  environmentAgent ??= new EnvironmentAgent();
  return environmentAgent;
}

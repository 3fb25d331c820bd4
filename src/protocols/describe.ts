/**
 * What this Herald can deliver to, from the adapter registry: the one place the core reads the
 * adapters' self-descriptions for people (console forms, CLI help, OpenAPI, GET /v1/protocols).
 */
import { adapterFactories } from '../../adapters/index.js';
import type { AdapterFactory, ProtocolDescription, RateWindow } from '../../adapters/types.js';

/** Every registered protocol, in registry order. */
export const protocolNames = (): string[] => adapterFactories.map((f) => f.protocol);

export const factoryOf = (protocol: string): AdapterFactory | undefined => adapterFactories.find((f) => f.protocol === protocol);

/** "dingtalk, lark, wecom or webhook" */
export function protocolList(names: readonly string[] = protocolNames(), last = 'or'): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} ${last} ${names[names.length - 1]}`;
}

/** One entry of GET /v1/protocols. */
export interface ProtocolInfo extends ProtocolDescription {
  protocol: string;
  /** hosts an endpoint may point at (https) besides HERALD_ALLOW_HOSTS; absent: any public host */
  allowedHosts?: readonly string[];
  /** the limits in force for each robot (config platforms.<protocol>.rateLimits) */
  rateLimits: RateWindow[];
  /** callbacks with their full paths */
  callbacks: (NonNullable<ProtocolDescription['callbacks']>[number] & { url: string })[];
}

export function protocolInfo(f: AdapterFactory, opts: { rateLimits?: RateWindow[]; allowedHosts?: readonly string[] } = {}): ProtocolInfo {
  return {
    protocol: f.protocol,
    ...f.describe,
    allowedHosts: opts.allowedHosts,
    rateLimits: opts.rateLimits ?? f.defaults.rateLimits,
    callbacks: (f.describe.callbacks ?? []).map((c) => ({ ...c, url: callbackPath(f.protocol, c.path) })),
  };
}

/** /v1/callbacks/<protocol><path>, where the channel's router is mounted. */
export const callbackPath = (protocol: string, path: string): string => `/v1/callbacks/${protocol}${path}`;

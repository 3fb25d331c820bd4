/**
 * The adapter contract. An adapter is the only code that knows its platform: how an endpoint looks,
 * how a message is formatted, signed and split, and what the platform's answer means. The core owns
 * the queue, the limiters, the retries, the records and the HTTP client (SSRF-guarded, keep-alive).
 */
import type { Router } from 'express';
import type { Logger } from 'winston';

export type Level = 'info' | 'success' | 'warning' | 'error' | 'critical';
export const LEVELS: readonly Level[] = ['info', 'success', 'warning', 'error', 'critical'];

export interface Mentions {
  all?: boolean;
  /** platform user ids (DingTalk userId, Lark open_id, WeCom userid) */
  users?: string[];
  /** phone numbers */
  mobiles?: string[];
}

/** "max sends in every sliding window of perMs milliseconds" */
export interface RateWindow {
  max: number;
  perMs: number;
}

/** One delivery as the core hands it over: the content is already rendered for this protocol. */
export interface OutboundMessage {
  messageId: string;
  /** Stable across retries of the same delivery: the platform idempotency key (DingTalk msgUuid). */
  deliveryId: string;
  topic: string;
  subject?: string;
  /** Body for this protocol. Markdown unless `format` says text. */
  text: string;
  format: 'markdown' | 'text';
  level: Level;
  /** The message's mentions merged with the subscription's default mentions. */
  mentions: Mentions;
  attributes: Record<string, string>;
  /** ISO 8601 */
  createdAt: string;
  /** Buttons a person can press on the message (an alert's Silence and Ack); adapters without buttons ignore them. */
  actions?: MessageAction[];
}

/**
 * A button on a message. A platform that calls back when it is pressed hands `value` to
 * CommandHub.action unchanged; one without callbacks may show `url`, a page that does the same.
 */
export interface MessageAction {
  kind: 'silence' | 'ack';
  label: string;
  url?: string;
  value: Record<string, string>;
}

/** A subscription as an adapter sees it: decrypted, already normalised by `normalizeEndpoint`. */
export interface Target {
  subscriptionId: string;
  endpoint: string;
  secret?: string;
  keyword?: string;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** raw body text */
  body: string;
}

/** Core-provided HTTP client: keep-alive pools, timeouts, no redirects, SSRF checks at connect time. */
export interface HttpClient {
  /** Throws only for network-level failures (refused, reset, timeout, blocked address). */
  post(url: string, body: string, headers?: Record<string, string>): Promise<HttpResult>;
  get(url: string, headers?: Record<string, string>): Promise<HttpResult>;
}

export interface SendContext {
  http: HttpClient;
  /** injected clock (ms): signatures are testable */
  now(): number;
  log: Logger;
}

export type Outcome =
  | { ok: true; platformMessageId?: string }
  | {
      ok: false;
      /** rate-limited: wait, then retry without spending an attempt; transient: retry with backoff;
       *  permanent: fail now (bad secret, unknown robot, missing keyword, bad request) */
      kind: 'rate-limited' | 'transient' | 'permanent';
      /** the platform's own code (errcode / code / HTTP status) */
      code?: string | number;
      /** what a human should do about it, e.g. "check the robot's signing secret" */
      message: string;
      retryAfterMs?: number;
    };

/** Thrown by normalizeEndpoint for an endpoint the platform would never accept. */
export class EndpointError extends Error {}

/** What the core gives an adapter factory. `config` is the `platforms.<protocol>` config section. */
export interface AdapterDeps {
  config: PlatformConfig;
  log: Logger;
  http: HttpClient;
  now(): number;
}

export interface PlatformConfig {
  rateLimits: RateWindow[];
  [key: string]: unknown;
}

export interface Adapter {
  readonly protocol: string;
  /** Shown to people: "DingTalk". */
  readonly displayName: string;
  /**
   * Hosts an endpoint may point at (https only) unless HERALD_ALLOW_HOSTS opens more.
   * `undefined` means any public https host (the generic webhook).
   */
  readonly allowedHosts?: readonly string[];
  /** Validate and canonicalise what a user typed (WeCom: a bare key becomes a URL). Throws EndpointError. */
  normalizeEndpoint(endpoint: string): string;
  /** Mask an endpoint for display and logs: the token never appears in full. */
  maskEndpoint(endpoint: string): string;
  /** One limiter per robot, shared by every topic it is subscribed to. Must not contain the token. */
  limiterKey(target: Target): string;
  /** Payloads in sending order; more than one when the message had to be split to fit. */
  render(msg: OutboundMessage, target: Target): unknown[];
  /** One attempt. Never throws for a platform answer: classify it. Network errors may throw. */
  send(target: Target, payload: unknown, ctx: SendContext): Promise<Outcome>;
  /** Optional inbound channel for chat commands (issue: chat commands). */
  inbound?(hub: CommandHub): InboundChannel | undefined;
  /**
   * How long after sending this target's messages can still be edited in place (Lark app-bot chats:
   * 14 days); 0 or absent: never (custom webhook robots), and an update goes out as a new message.
   */
  editWindowMs?(target: Target): number;
  /** Replaces a message this adapter sent (its platformMessageId) with one rendered part. */
  edit?(target: Target, platformMessageId: string, payload: unknown, ctx: SendContext): Promise<Outcome>;
}

/** An environment variable that sets a `platforms.<protocol>` config key (app credentials …). */
export interface EnvSetting {
  key: string;
  /** its value is scrubbed from every log line */
  secret?: boolean;
}

export interface AdapterFactory {
  readonly protocol: string;
  /** Defaults merged under `platforms.<protocol>` from the config files (a new platform needs no config entry). */
  readonly defaults: PlatformConfig;
  /** Environment variables of this platform, by name: HERALD_<PLATFORM>_… → platforms.<protocol>.<key>. */
  readonly env?: Readonly<Record<string, EnvSetting>>;
  create(deps: AdapterDeps): Adapter;
}

/** A chat command as it arrived from a group, platform details removed. */
export interface InboundCommand {
  protocol: string;
  /** unique per callback: dedup key */
  eventId: string;
  chatId: string;
  chatName?: string;
  userId: string;
  userName?: string;
  /** platform says the sender administers the group (when it says so at all) */
  isAdmin?: boolean;
  /** mentions already stripped */
  text: string;
  /** endpoint a subscription of this chat pushes to (e.g. `dingtalk-app:<robotCode>/<conversationId>`) */
  endpoint?: string;
}

/** A button pressed on a message (MessageAction.value as it came back), by whom, in which chat. */
export interface InboundAction {
  protocol: string;
  eventId: string;
  chatId: string;
  userId: string;
  userName?: string;
  value: Record<string, unknown>;
}

export interface CommandHub {
  /** Runs the command; resolves to the reply text to post back into the group. */
  run(cmd: InboundCommand): Promise<string>;
  /** Handles a pressed button; `text` is the short answer shown to the person who pressed it. */
  action?(a: InboundAction): Promise<{ ok: boolean; text: string }>;
  /** true the first time a key is seen within ttlMs (callback dedup) */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
}

/** Which command asks InboundChannel.resolveEndpoint, and for which topic. */
export interface EndpointContext {
  command: 'subscribe' | 'unsubscribe';
  topic: string;
}

export interface InboundChannel {
  /**
   * HTTP callbacks are mounted under /v1/callbacks/<protocol>, before bearer auth and without a body
   * parser: the channel reads (and verifies) its own bodies.
   */
  mount?(router: Router): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /**
   * The push endpoint of `/subscribe <topic> <arg>` (and `/unsubscribe <topic> <arg>`), when the
   * chat's own identity is not enough (WeCom: `arg` is the group robot's webhook key or URL).
   * Return undefined to fall back to `cmd.endpoint`; throw EndpointError with a sentence for the
   * group (missing or malformed argument). Without this hook an extra argument is a usage error.
   * `arg` may hold a secret: never log it. `ctx` says which command asks (WeCom checks a key by
   * posting through it on subscribe, never on unsubscribe).
   */
  resolveEndpoint?(cmd: InboundCommand, arg: string | undefined, ctx: EndpointContext): string | undefined | Promise<string | undefined>;
  /** How the argument above is shown in usage and help, e.g. "<webhook key>". */
  argumentHint?: string;
  /**
   * Asked only when `commands.<protocol>.allow` is `admins` and `cmd.isAdmin` is undefined
   * (Lark: the chat API's owner and managers). A throw answers "could not check, try again".
   */
  isAdmin?(cmd: InboundCommand): Promise<boolean>;
}

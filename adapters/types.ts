/**
 * The adapter contract. An adapter is the only code that knows its platform: how an endpoint looks,
 * how a message is formatted, signed and split, and what the platform's answer means. The core owns
 * the queue, the limiters, the retries, the records and the HTTP client (SSRF-guarded, keep-alive).
 */
import type { Router } from 'express';
import type { Logger } from 'winston';
import type { z } from 'zod';

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
  /** The same as `post` with PUT (DingTalk updates cards with it); absent in stubs that never edit. */
  put?(url: string, body: string, headers?: Record<string, string>): Promise<HttpResult>;
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

/**
 * What the core gives an adapter factory. `config` is the `platforms.<protocol>` config section, already
 * checked against the factory's `config` schema at start (defaults applied): its keys have the schema's
 * types (`config.apiBase as string` is safe when the schema defaults it). Unit tests may pass less.
 */
export interface AdapterDeps {
  config: PlatformConfig;
  log: Logger;
  http: HttpClient;
  now(): number;
}

/** The keys every `platforms.<protocol>` section has, whatever the platform (the core reads them). */
export interface CommonPlatformConfig {
  /** held in every sliding window, per robot (limiterKey) */
  rateLimits: RateWindow[];
}

export interface PlatformConfig extends CommonPlatformConfig {
  [key: string]: unknown;
}

/**
 * The registry entry of one platform: everything the core, the console, OpenAPI, the logger and the
 * config check need to know about it, as plain data, plus `create`. Nothing outside adapters/ names
 * a platform: what it needs, it reads here (GET /v1/protocols serves `describe`).
 *
 * Adding a platform: a folder adapters/<protocol>/ whose index.ts exports one of these, one line in
 * adapters/index.ts, one row in adapters/testing/conformance.test.ts with its fake in test/fakes/.
 */
export interface AdapterFactory {
  /** lower-case, [a-z][a-z0-9-]*: the subscription's `protocol`, the config section, the callback path */
  readonly protocol: string;
  /** Who the platform is for people and for the core (see ProtocolDescription). */
  readonly describe: ProtocolDescription;
  /**
   * The adapter's own keys under `platforms.<protocol>`, as a strict zod object (z.strictObject),
   * with `.default()` where a key has one and `.describe()` saying what each key is for. The core adds
   * the common keys (rateLimits …) and refuses any other key at start. Its output is `create`'s
   * `deps.config`. Satori's `Config` beside the bot: https://github.com/satorijs/satori
   * A platform without keys of its own: `z.strictObject({})`.
   */
  readonly config: z.ZodObject<z.ZodRawShape, z.core.$strict>;
  /**
   * Defaults of the common keys (rateLimits: the platform's documented limits, with a doc link),
   * merged under `platforms.<protocol>` from the config files: a new platform needs no config entry.
   * Keys the `config` schema defaults may also be listed here; the schema's default applies otherwise.
   */
  readonly defaults: PlatformConfig;
  /** Environment variables of this platform, by name: HERALD_<PLATFORM>_… → platforms.<protocol>.<key>. */
  readonly env?: Readonly<Record<string, EnvSetting>>;
  create(deps: AdapterDeps): Adapter;
}

/**
 * The platform's self-description (Apprise's service_name/template_tokens, Satori's Config): plain data,
 * JSON-serialisable except `dialect`'s strings being templates. Served as is by GET /v1/protocols.
 */
export interface ProtocolDescription {
  /** Shown to people: "DingTalk". Same as the adapter's `displayName`. */
  displayName: string;
  /** One line under the name in the console: what a subscriber of this protocol is. */
  summary: string;
  /** Brand colour, "#rrggbb": the console's badge background (white text on it must be readable). */
  color: string;
  /** The platform's doc page saying how to get an endpoint (shown as "how to set it up"). */
  docsUrl?: string;
  /**
   * The subscription form, in display order. `endpoint` is always present; `secret` and `keyword` only
   * where the platform has them (a protocol without a `secret` field refuses no secret, but the console
   * does not ask for one).
   */
  fields: FormField[];
  /** What kinds of @-mention the platform can show; absent kinds are not offered in the form. */
  mentions: MentionKinds;
  /**
   * Which parts of an endpoint are credentials. The core builds log redaction from these (every log
   * line, whatever the platform), and the conformance kit checks that `maskEndpoint` hides each of them.
   * `[]` when nothing in the endpoint is secret (e.g. an address list).
   */
  secretParts: SecretPart[];
  /**
   * How the built-in alert templates write markdown for this platform. Leave it out when the adapter
   * converts CommonMark itself (adapters/shared/markdown.ts): the templates then write CommonMark.
   */
  dialect?: MarkdownDialect;
  /**
   * Chat-command callback routes the platform calls, mounted under /v1/callbacks/<protocol> (relative
   * `path`, '' for the base) by `inbound().mount`; OpenAPI documents them from this list.
   */
  callbacks?: CallbackRoute[];
}

/** One input of the subscription form; `name` is the subscription body key it fills. */
export interface FormField {
  name: 'endpoint' | 'secret' | 'keyword';
  /** "Webhook URL" */
  label: string;
  /** Where the group admin finds the value, in the platform's own menu words. */
  help: string;
  /** The form refuses to submit without it (the endpoint always is). */
  required: boolean;
  /**
   * Typed blind into a password box and never shown again (Apprise's `private`). The endpoint is
   * `false` (people paste and check it); its credentials are declared in `secretParts` instead.
   */
  secret: boolean;
  /** A realistic value with the credential elided: the placeholder, and the example in docs and OpenAPI. */
  example: string;
}

/** Labels of the mention inputs the form offers; a kind left out is one the platform does not have. */
export interface MentionKinds {
  /** the platform can @all / @everyone / @channel */
  all: boolean;
  /** label of the user-id input, e.g. "DingTalk userIds" (Mentions.users) */
  users?: string;
  /** label of the phone-number input (Mentions.mobiles) */
  mobiles?: string;
}

/**
 * A credential inside an endpoint URL.
 * - `query`: the value of query parameter `name` (`?access_token=…`, `&sig=…`).
 * - `path`: everything after the literal `after` up to `?`, `#` or the end (`/open-apis/bot/v2/hook/` → the
 *   token; `/services/` → `T…/B…/secret`). Choose `after` specific enough not to match other URLs.
 *   Matched in plain text too, so it also covers non-URL endpoints (`lark-chat:` → the chat id).
 * - `userinfo`: the `user:password@` of a URL.
 * - `pathAndQuery`: a generic URL whose credential may be anywhere after the host (the webhook):
 *   masking hides the path and query; log redaction cannot find such a URL in free text, so an
 *   adapter with it never logs the endpoint unmasked.
 */
export type SecretPart =
  | { in: 'query'; name: string }
  | { in: 'path'; after: string }
  | { in: 'userinfo' }
  | { in: 'pathAndQuery' };

/**
 * A markdown dialect as templates: `{text}` and `{url}` are replaced by the template's own pieces
 * (Handlebars expressions), so each is a plain string with placeholders, no code.
 */
export interface MarkdownDialect {
  /** Line break between lines of one block ("\n"; DingTalk needs "\n\n" to break a line). */
  br: string;
  /** "**{text}**" */
  bold: string;
  /** A link: "[{text}]({url})"; Slack mrkdwn: "<{url}|{text}>". */
  link: string;
  /** The status word while alerts fire, coloured where the dialect can: "<font color='red'>**{text}**</font>". */
  firing: string;
  /** The status word once all are resolved. */
  resolved: string;
  /** A description set apart (quote, grey, italic): "> {text}". */
  note: string;
}

/** One HTTP route a platform calls, relative to /v1/callbacks/<protocol>; verified by the channel itself. */
export interface CallbackRoute {
  method: 'get' | 'post';
  /** '' for /v1/callbacks/<protocol> itself, else '/…' below it */
  path: string;
  /** OpenAPI operationId: unique, camelCase, e.g. "wecomMessages" */
  operationId: string;
  /** one line: what the platform sends here and how it is verified */
  summary: string;
}

export interface Adapter {
  readonly protocol: string;
  /** Shown to people: "DingTalk" (the factory's `describe.displayName`). */
  readonly displayName: string;
  /**
   * Hosts an endpoint may point at (https only) unless HERALD_ALLOW_HOSTS opens more.
   * `undefined` means any public https host (the generic webhook). `*.example.com` allows every
   * subdomain of example.com. Only on the standard https port.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * `address`: the endpoint names recipients (email), not a host Herald connects to; the adapter
   * talks only to a server its operator configured, so the host rules do not apply. Default `url`.
   */
  readonly endpointKind?: 'url' | 'address';
  /** Validate and canonicalise what a user typed (WeCom: a bare key becomes a URL). Throws EndpointError. */
  normalizeEndpoint(endpoint: string): string;
  /**
   * Mask an endpoint for display and logs: no part listed in `describe.secretParts` appears in full
   * (adapters/shared/mask.ts `maskUrl` does it from that list).
   */
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
  /** What to show when an action outlasts the platform's wait ("Working on it…", in the configured language). */
  actionPending?(): string;
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

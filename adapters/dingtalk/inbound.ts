/**
 * Chat commands from DingTalk: the app robot in Stream mode through `dingtalk-stream` (research/
 * platforms-inbound.md §1.1–1.6). Herald dials out to the Stream gateway (no public URL needed);
 * each robot callback is ACKed, deduplicated by msgId, run through the CommandHub, and answered
 * through the message's sessionWebhook. The group is pushed to later through app-robot.ts.
 * https://open.dingtalk.com/document/direction/stream-mode-protocol-access-description
 * https://open.dingtalk.com/document/orgapp/receive-message
 */
import { createRequire } from 'node:module';
import type * as DingtalkStream from 'dingtalk-stream';
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'winston';
import { outboundAgent } from '../../src/delivery/proxy.js';
import { z } from 'zod';
import type { CommandHub, HttpClient, InboundChannel, InboundCommand } from '../types.js';
import { cardAnswer, toAction } from './card-callback.js';

/** Robot messages are not re-pushed, but duplicates happen (§1.3.7); a day covers any redelivery. */
export const DEDUP_TTL_MS = 24 * 3_600_000;
/** Reconnect delays: doubling from 1 s to 1 min, with jitter; back to 1 s after a connection lasted a minute. */
export const RECONNECT_BASE_MS = 1_000;
export const RECONNECT_MAX_MS = 60_000;
const STABLE_CONNECTION_MS = 60_000;
/** A card callback is answered in its ACK: the action gets this long, then the ACK says it is under way. */
export const CARD_ACK_BUDGET_MS = 2_000;
/** The official reply host (§1.5: `https://oapi.dingtalk.com/robot/sendBySession?session=…`). */
const SESSION_WEBHOOK_ORIGINS = ['https://oapi.dingtalk.com', 'https://api.dingtalk.com'];

/** What Herald reads of a robot message (§1.2); everything else is ignored. */
const robotMessage = z.object({
  msgId: z.string().min(1).max(256),
  msgtype: z.string(),
  conversationId: z.string().min(1).max(256),
  conversationType: z.string().optional(),
  conversationTitle: z.string().optional(),
  robotCode: z.string().max(256).optional(),
  senderStaffId: z.string().optional(),
  senderId: z.string().optional(),
  senderNick: z.string().optional(),
  isAdmin: z.boolean().optional(),
  sessionWebhook: z.string().optional(),
  sessionWebhookExpiredTime: z.number().optional(),
  text: z.object({ content: z.string().max(4_000) }).optional(),
});
type RobotMessage = z.infer<typeof robotMessage>;

export interface DingtalkInboundDeps {
  /** `platforms.dingtalk`: clientId, clientSecret, apiBase */
  config: Readonly<Record<string, unknown>>;
  log: Logger;
  http: HttpClient;
  now(): number;
}

const require = createRequire(import.meta.url);
let sdk: typeof DingtalkStream | undefined;
/** The SDK (with axios and ws), loaded only when Stream mode is configured: most deployments post to custom robots only. */
const streamSdk = () => (sdk ??= require('dingtalk-stream') as typeof DingtalkStream);

type StreamClientDeps = DingtalkInboundDeps & { gatewayUrl: string; clientId: string; clientSecret: string };

/**
 * The SDK with its gateway taken from `apiBase` (research §0/§1.7: GATEWAY_URL is a module constant,
 * `getEndpoint()` is the seam), with frames it cannot parse ignored instead of thrown out of the
 * socket listener, and callbacks of other topics dropped.
 */
function streamClient(deps: StreamClientDeps) {
  const { DWClient, TOPIC_CARD, TOPIC_ROBOT } = streamSdk();
  class HeraldStreamClient extends DWClient {
    constructor(
      private readonly deps: StreamClientDeps,
    ) {
      // A fresh subscriptions array per client (the SDK shares its default one, §1.1); reconnects are ours.
      const options = {
        clientId: deps.clientId,
        clientSecret: deps.clientSecret,
        ua: 'herald',
        keepAlive: true,
        autoReconnect: false,
        subscriptions: [{ type: 'EVENT', topic: '*' }],
      };
      super(options);
    }

    /** POST {apiBase}/v1.0/gateway/connections/open → {endpoint, ticket} (§1.3.1). */
    override async getEndpoint(): Promise<this> {
      const cfg = this.getConfig();
      const body = JSON.stringify({ clientId: cfg.clientId, clientSecret: cfg.clientSecret, ua: cfg.ua, subscriptions: cfg.subscriptions });
      const res = await this.deps.http.post(this.deps.gatewayUrl, body, { accept: 'application/json' });
      let reply: { endpoint?: unknown; ticket?: unknown } = {};
      try {
        reply = JSON.parse(res.body);
      } catch {}
      if (res.status !== 200 || typeof reply.endpoint !== 'string' || typeof reply.ticket !== 'string') {
        // The body may echo what was sent: only the status and the platform's code are kept.
        const code = (reply as { code?: unknown }).code;
        throw new Error(`the DingTalk Stream gateway refused to open a connection (HTTP ${res.status}${typeof code === 'string' ? ` ${code}` : ''})`);
      }
      (this as unknown as { dw_url: string }).dw_url = `${reply.endpoint}?ticket=${encodeURIComponent(reply.ticket)}`;
      // the SDK opens its WebSocket with these options: through HTTPS_PROXY unless NO_PROXY names the host
      (this as unknown as { sslopts: Record<string, unknown> }).sslopts = { rejectUnauthorized: true, agent: outboundAgent() };
      return this;
    }

    override onDownStream(data: string): void {
      try {
        super.onDownStream(data);
      } catch (err) {
        this.deps.log.warn('DingTalk Stream: ignored a frame that could not be read', { err: (err as Error).message });
      }
    }

    override onCallback(message: DWClientDownStream): void {
      const topic = message?.headers?.topic;
      if (topic === TOPIC_ROBOT || topic === TOPIC_CARD) super.onCallback(message);
      else this.deps.log.debug('DingTalk Stream: ignored a callback of another topic');
    }

    /** The live socket (TS-private in the SDK): to follow its close. */
    get socketEvents(): { once(e: 'close', f: () => void): void } | undefined {
      return (this as unknown as { socket?: { once(e: 'close', f: () => void): void } }).socket;
    }

    /** The SDK leaves its keep-alive timer running when the server closes; a new one per connection. */
    clearKeepAlive(): void {
      clearInterval((this as unknown as { heartbeatIntervallId?: NodeJS.Timeout }).heartbeatIntervallId);
    }
  }
  return new HeraldStreamClient(deps);
}

/** The channel, or undefined when HERALD_DINGTALK_CLIENT_ID / _CLIENT_SECRET are not set. */
export function createDingtalkInbound(deps: DingtalkInboundDeps, hub: CommandHub): InboundChannel | undefined {
  const clientId = typeof deps.config.clientId === 'string' ? deps.config.clientId : '';
  const clientSecret = typeof deps.config.clientSecret === 'string' ? deps.config.clientSecret : '';
  if (!clientId || !clientSecret) return undefined;
  const apiBase = String(deps.config.apiBase ?? 'https://api.dingtalk.com').replace(/\/+$/, '');
  const replyOrigins = new Set([...SESSION_WEBHOOK_ORIGINS, new URL(apiBase).origin]);
  const log = deps.log;
  const { TOPIC_CARD, TOPIC_ROBOT } = streamSdk();
  const client = streamClient({ ...deps, gatewayUrl: `${apiBase}/v1.0/gateway/connections/open`, clientId, clientSecret });

  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const schedule = () => {
    if (stopped) return;
    const full = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** failures++);
    const ms = Math.round(full / 2 + (Math.random() * full) / 2);
    timer = setTimeout(() => void connect(), ms);
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    try {
      await client.getEndpoint();
      await client._connect();
    } catch (err) {
      log.warn('DingTalk Stream: could not connect; retrying', { err: (err as Error).message, attempt: failures + 1 });
      schedule();
      return;
    }
    if (stopped) return client.disconnect();
    const since = deps.now();
    log.info('DingTalk Stream: connected');
    client.socketEvents?.once('close', () => {
      client.clearKeepAlive();
      if (stopped) return;
      if (deps.now() - since >= STABLE_CONNECTION_MS) failures = 0;
      log.warn('DingTalk Stream: connection closed; reconnecting');
      schedule();
    });
  }

  async function onRobotMessage(frame: DWClientDownStream): Promise<void> {
    // ACK first: the reply can take longer than the gateway waits, and a robot message is not re-pushed anyway.
    client.socketCallBackResponse(frame.headers.messageId, null);
    let data: unknown;
    try {
      data = JSON.parse(frame.data);
    } catch {}
    const parsed = robotMessage.safeParse(data);
    if (!parsed.success) return void log.warn('DingTalk Stream: ignored a robot callback that is not a robot message');
    const msg = parsed.data;
    if (msg.msgtype !== 'text' || !msg.text) return;
    if (!(await hub.firstSeen(msg.msgId, DEDUP_TTL_MS))) return;
    const reply = await hub.run(toCommand(msg, clientId));
    if (reply) await answer(msg, reply);
  }

  /** POST <sessionWebhook> (§1.5): no auth header; valid ~90 minutes; never logged (the session is a credential). */
  async function answer(msg: RobotMessage, text: string): Promise<void> {
    const url = msg.sessionWebhook ?? '';
    let origin = '';
    try {
      origin = new URL(url).origin;
    } catch {}
    if (!replyOrigins.has(origin)) return void log.warn('DingTalk Stream: no usable sessionWebhook; the reply was dropped');
    if (msg.sessionWebhookExpiredTime !== undefined && msg.sessionWebhookExpiredTime < deps.now()) {
      return void log.warn('DingTalk Stream: the sessionWebhook expired; the reply was dropped');
    }
    const at = msg.senderStaffId ? { atUserIds: [msg.senderStaffId] } : undefined;
    const body = JSON.stringify({ msgtype: 'text', text: { content: text }, ...(at ? { at } : {}) });
    const res = await deps.http.post(url, body).catch((err: Error) => void log.warn('DingTalk Stream: the reply could not be posted', { err: err.message }));
    if (!res) return;
    let errcode: unknown;
    try {
      errcode = JSON.parse(res.body).errcode;
    } catch {}
    if (errcode !== 0) log.warn('DingTalk Stream: the reply was refused', { status: res.status, errcode });
  }

  const inFlight = new Set<Promise<unknown>>();

  /** A button of a template card (./card-callback.ts): the same action path as Lark's buttons; a replay is ACKed and dropped. */
  async function onCardCallback(frame: DWClientDownStream): Promise<void> {
    const messageId = frame.headers.messageId;
    const action = hub.action ? toAction(frame.data, frame.headers.eventId || messageId) : undefined;
    if (!action || !hub.action) return void client.socketCallBackResponse(messageId, null);
    if (!(await hub.firstSeen(`card:${action.eventId}`, DEDUP_TTL_MS))) return void client.socketCallBackResponse(messageId, null);
    const work = hub.action(action);
    const answer = await Promise.race([work, new Promise<undefined>((r) => setTimeout(() => r(undefined), CARD_ACK_BUDGET_MS).unref())]);
    if (!answer) {
      const rest = work.catch((err) => log.error('DingTalk Stream: a card action failed', { err }));
      inFlight.add(rest);
      void rest.finally(() => inFlight.delete(rest));
    }
    client.socketCallBackResponse(messageId, cardAnswer(answer ? answer.text : (hub.actionPending?.() ?? 'Working on it…')));
  }

  client.registerCallbackListener(TOPIC_CARD, (frame) => {
    onCardCallback(frame).catch((err) => {
      log.error('DingTalk Stream: a card callback could not be handled', { err });
      client.socketCallBackResponse(frame.headers.messageId, null);
    });
  });
  client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
    onRobotMessage(frame).catch((err) => log.error('DingTalk Stream: a robot message could not be handled', { err }));
  });
  // A forged CALLBACK with topic "error" must not become an unhandled 'error' event.
  client.on('error', (err) => log.warn('DingTalk Stream: client error', { err }));

  return {
    async start() {
      stopped = false;
      void connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      client.clearKeepAlive();
      client.disconnect();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** A robot message as a command: DingTalk strips the @mention in groups (a leading space remains, §1.2). */
export function toCommand(msg: RobotMessage, clientId: string): InboundCommand {
  const robotCode = msg.robotCode || clientId;
  // Only a group can be pushed to with the group-message API ("1" is a one-to-one chat).
  const group = msg.conversationType === undefined || msg.conversationType === '2';
  return {
    protocol: 'dingtalk',
    eventId: msg.msgId,
    chatId: msg.conversationId,
    chatName: msg.conversationTitle,
    userId: msg.senderStaffId || msg.senderId || 'unknown',
    userName: msg.senderNick,
    isAdmin: msg.isAdmin,
    text: (msg.text?.content ?? '').replace(/^\s*[@＠]\S+\s*/u, '').trim(),
    endpoint: group ? `dingtalk-app:${robotCode}/${msg.conversationId}` : undefined,
  };
}

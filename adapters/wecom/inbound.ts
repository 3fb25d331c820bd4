/**
 * WeCom chat commands: an AI bot (智能机器人) in API mode calls `GET|POST /v1/callbacks/wecom`.
 * GET is the URL check (decrypted echostr answered as plain text); POST carries `{"encrypt": …}`.
 * Every callback is checked before anything happens: timestamp within 5 minutes, `msg_signature`
 * (constant time), AES decryption with `@wecom/crypto`, receive id "" (AI bots), then msgid and nonce
 * dedup. The command is answered through the message's one-shot `response_url`; the HTTP answer is
 * empty. A group subscribes with its group robot's webhook key, checked by posting through it first.
 * https://developer.work.weixin.qq.com/document/path/101033 (加解密), …/100719 (接收消息),
 * …/101138 (response_url) — research/platforms-inbound.md §3.1, §3.3, §3.5
 */
import { timingSafeEqual } from 'node:crypto';
import { decrypt, getSignature } from '@wecom/crypto';
import express, { type Request, type Response } from 'express';
import {
  type Adapter,
  type AdapterDeps,
  type CommandHub,
  type EndpointContext,
  EndpointError,
  type InboundChannel,
  type InboundCommand,
  type Outcome,
} from '../types.js';
import { RATE_CODE } from './codes.js';
import { confirmationMessage, HOW_TO_FIND_KEY, isZh, replyPayload, why } from './inbound-text.js';

/** Callbacks whose timestamp is further than this from our clock are refused (replay window). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** msgid / nonce dedup lasts past the replay window on both sides. */
export const DEDUP_TTL_MS = 2 * MAX_CLOCK_SKEW_MS;
/** AI bots encrypt with an empty receive id (research §3.3); a self-built app would carry its CorpID. */
export const AIBOT_RECEIVE_ID = '';
/** A robot that passed the check is not messaged again for this long (WeCom: 20 messages a minute). */
export const VERIFIED_TTL_MS = 10 * 60_000;
/** Callback bodies are one small JSON object. */
const BODY_LIMIT = '64kb';
const SIGNATURE = /^[0-9a-f]{40}$/i;
/** WeCom's API host: robot webhooks and response_url live there (research §3.3, §3.4). */
const WECOM_HOST = 'qyapi.weixin.qq.com';

interface Keys {
  token: string;
  aesKey: string;
}

/** The AI bot's message JSON, as far as Herald reads it (research §3.3). */
interface AibotMessage {
  msgid?: string;
  chatid?: string;
  chattype?: string;
  from?: { userid?: string };
  response_url?: string;
  msgtype?: string;
  text?: { content?: string };
}

/** Both or neither: Token (3-32 letters/digits) and the 43-character EncodingAESKey. */
function keysOf(config: Record<string, unknown>): Keys | undefined {
  const token = typeof config.token === 'string' ? config.token.trim() : '';
  const aesKey = typeof config.encodingAesKey === 'string' ? config.encodingAesKey.trim() : '';
  if (!token && !aesKey) return undefined;
  if (!token || !aesKey) throw new Error('WeCom chat commands need both HERALD_WECOM_TOKEN and HERALD_WECOM_ENCODING_AES_KEY');
  if (aesKey.length !== 43 || Buffer.from(`${aesKey}=`, 'base64').length !== 32) {
    throw new Error("HERALD_WECOM_ENCODING_AES_KEY must be the AI bot's 43-character EncodingAESKey");
  }
  return { token, aesKey };
}

/** The plaintext of a verified callback, or why it is refused (for the log; never for the caller). */
export function openCallback(
  keys: Keys,
  q: Record<string, unknown>,
  cipher: unknown,
  nowMs: number,
): { ok: true; message: string } | { ok: false; reason: string } {
  const { msg_signature: sig, timestamp, nonce } = q;
  if (typeof sig !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof cipher !== 'string') {
    return { ok: false, reason: 'missing parameters' };
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(getSignature(keys.token, timestamp, nonce, cipher));
  if (!SIGNATURE.test(sig) || !timingSafeEqual(expected, Buffer.from(sig.toLowerCase()))) return { ok: false, reason: 'bad signature' };
  let opened: { message: string; id: string };
  try {
    opened = decrypt(keys.aesKey, cipher);
  } catch {
    return { ok: false, reason: 'undecryptable' };
  }
  if (opened.id !== AIBOT_RECEIVE_ID) return { ok: false, reason: 'wrong receive id' };
  return { ok: true, message: opened.message };
}

/** The `encrypt` field of a POST body `{"encrypt": "…"}`; undefined for anything else. */
function encryptOf(body: unknown): unknown {
  try {
    return typeof body === 'string' ? JSON.parse(body)?.encrypt : undefined;
  } catch {
    return undefined;
  }
}

/** "@Herald /subscribe a b" → "/subscribe a b": the leading @mentions WeCom leaves in the text. */
export function stripMention(text: string): string {
  return text.replace(/^(\s*[@＠]\S+)+\s*/u, '').trim();
}

/** `deps` is the adapter's own; `adapter` renders and sends the check message like any delivery. */
export function createWecomInbound(adapter: Adapter, deps: AdapterDeps, hub: CommandHub): InboundChannel | undefined {
  const keys = keysOf(deps.config);
  if (!keys) return undefined;
  const { log, http, now } = deps;
  const base = new URL(typeof deps.config.webhookBase === 'string' && deps.config.webhookBase ? deps.config.webhookBase : `https://${WECOM_HOST}`);
  const verified = new Map<string, number>();
  const pending = new Set<Promise<void>>();

  const refuse = (res: Response, reason: string) => {
    log.warn('wecom callback refused', { reason });
    res.status(401).json({ error: { code: 'callback_refused', message: 'The callback was refused.' } });
  };

  /** A pasted URL keeps only its key, re-based on platforms.wecom.webhookBase: no other host is ever posted to. */
  function endpointOf(arg: string, zh: boolean): string {
    const url = new URL(adapter.normalizeEndpoint(arg));
    if (url.host !== base.host && url.hostname !== WECOM_HOST) throw new EndpointError(why('notWecom', zh));
    return adapter.normalizeEndpoint(url.searchParams.get('key') ?? '');
  }

  /** Posts the check message through the robot; throws EndpointError with what the group should do. */
  async function confirm(endpoint: string, topic: string, zh: boolean): Promise<void> {
    const target = { subscriptionId: 'wecom-check', endpoint };
    const id = adapter.limiterKey(target);
    const t = now();
    for (const [k, at] of verified) if (at + VERIFIED_TTL_MS < t) verified.delete(k);
    if (verified.has(id)) return;
    let outcome: Outcome;
    try {
      const [payload] = adapter.render(confirmationMessage(topic, zh, new Date(t)), target);
      outcome = await adapter.send(target, payload, { http, now, log });
    } catch {
      outcome = { ok: false, kind: 'transient', message: 'network error' };
    }
    if (!outcome.ok) {
      log.info('wecom: a robot key failed its check', { robot: id, code: outcome.code, kind: outcome.kind });
      const kind = outcome.code === 93000 ? 'unknownKey' : outcome.code === RATE_CODE ? 'busy' : outcome.kind === 'permanent' ? 'refused' : 'unreachable';
      throw new EndpointError(why(kind, zh, outcome.code));
    }
    verified.set(id, t);
  }

  async function reply(responseUrl: string, text: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      return void log.warn('wecom: response_url is not a URL; the reply is dropped');
    }
    if (url.hostname !== WECOM_HOST && url.hostname !== base.hostname) {
      return void log.warn('wecom: response_url is not on WeCom; the reply is dropped', { host: url.hostname });
    }
    const res = await http.post(url.toString(), JSON.stringify(replyPayload(text)));
    const errcode = /"errcode"\s*:\s*(-?\d+)/.exec(res.body)?.[1];
    if (res.status !== 200 || (errcode && errcode !== '0')) log.warn('wecom: the reply was not accepted', { status: res.status, errcode });
  }

  async function handle(msg: AibotMessage): Promise<void> {
    const content = msg.text?.content;
    const userId = msg.from?.userid;
    if (msg.msgtype !== 'text' || typeof content !== 'string' || !userId || !msg.response_url) return;
    const chatId = msg.chattype === 'group' && msg.chatid ? msg.chatid : `single:${userId}`;
    const cmd: InboundCommand = { protocol: 'wecom', eventId: msg.msgid ?? '', chatId, userId, text: stripMention(content) };
    await reply(msg.response_url, await hub.run(cmd));
  }

  return {
    argumentHint: '<webhook key>',
    async resolveEndpoint(cmd: InboundCommand, arg: string | undefined, ctx: EndpointContext) {
      const zh = isZh(cmd.text);
      if (arg === undefined) {
        if (ctx.command === 'unsubscribe') return undefined;
        throw new EndpointError(HOW_TO_FIND_KEY[zh ? 'zh' : 'en']);
      }
      const endpoint = endpointOf(arg, zh);
      if (ctx.command === 'subscribe') await confirm(endpoint, ctx.topic, zh);
      return endpoint;
    },
    mount(router) {
      router.get('/', (req: Request, res: Response) => {
        const v = openCallback(keys, req.query, req.query.echostr, now());
        if (!v.ok) return refuse(res, v.reason);
        res.type('text/plain').send(v.message);
      });
      router.post('/', express.text({ limit: BODY_LIMIT, type: () => true }), async (req: Request, res: Response) => {
        const v = openCallback(keys, req.query, encryptOf(req.body), now());
        if (!v.ok) return refuse(res, v.reason);
        let msg: AibotMessage;
        try {
          msg = JSON.parse(v.message);
        } catch {
          return refuse(res, 'plaintext is not JSON');
        }
        if (typeof msg !== 'object' || msg === null) return refuse(res, 'plaintext is not a message');
        const { timestamp, nonce } = req.query as Record<string, string>;
        const fresh = await hub.firstSeen(`nonce:${timestamp}:${nonce}`, DEDUP_TTL_MS);
        if (!fresh || (msg.msgid && !(await hub.firstSeen(`msg:${msg.msgid}`, DEDUP_TTL_MS)))) return refuse(res, 'replayed');
        // Answer now with an empty body (no passive reply); the command answers through response_url.
        res.status(200).end();
        const p = handle(msg).catch((err) => void log.error('wecom: chat command failed', { err }));
        pending.add(p);
        void p.finally(() => pending.delete(p));
      });
    },
    async stop() {
      await Promise.allSettled([...pending]);
    },
  };
}

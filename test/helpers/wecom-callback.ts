/**
 * Plays WeCom's side of an AI bot (智能机器人) in API mode, written from research/platforms-inbound.md
 * §3.3 and §3.6, not from adapters/wecom/inbound.ts: callbacks encrypted with `@wecom/crypto`'s
 * `encrypt` (receive id "" for AI bots) and signed with its `getSignature`, exactly as the platform
 * sends them; and a local `response_url` that records the replies posted to it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encrypt, getSignature } from '@wecom/crypto';

/** Fixtures: a Token and a 43-character EncodingAESKey whose base64 (+ "=") decodes to 32 bytes. */
export const WECOM_TOKEN = 'heraldTestToken';
export const WECOM_AES_KEY = randomBytes(32).toString('base64').replace(/=+$/, '');
/** AI bots decrypt to an empty receive id (research §3.3); self-built apps carry the CorpID. */
export const AIBOT_RECEIVE_ID = '';

export interface SignedQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

export interface CallbackOptions {
  token?: string;
  aesKey?: string;
  receiveId?: string;
  /** seconds since epoch; default now */
  timestamp?: number;
  nonce?: string;
}

function sign(cipher: string, o: CallbackOptions): SignedQuery {
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(6).toString('hex');
  return { msg_signature: getSignature(o.token ?? WECOM_TOKEN, timestamp, nonce, cipher), timestamp, nonce };
}

/** `GET url?msg_signature&timestamp&nonce&echostr` of the URL check; the echostr URL-encoded by URLSearchParams. */
export function verifyUrl(callbackUrl: string, plainEcho: string, o: CallbackOptions = {}): string {
  const echostr = encrypt(o.aesKey ?? WECOM_AES_KEY, plainEcho, o.receiveId ?? AIBOT_RECEIVE_ID);
  const q = new URLSearchParams({ ...sign(echostr, o), echostr });
  return `${callbackUrl}?${q}`;
}

export interface AibotMessage {
  msgid: string;
  aibotid: string;
  chatid?: string;
  chattype: 'group' | 'single';
  from: { userid: string };
  response_url: string;
  msgtype: string;
  text?: { content: string };
  [key: string]: unknown;
}

/** A group text message as WeCom sends it to the bot: the text still holds the "@Bot " mention. */
export function groupText(content: string, o: { chatid?: string; userid?: string; responseUrl: string; msgid?: string }): AibotMessage {
  return {
    msgid: o.msgid ?? randomUUID().replace(/-/g, ''),
    aibotid: 'aibAbCdEfGh',
    chatid: o.chatid ?? 'wrkSFfCgAAtest',
    chattype: 'group',
    from: { userid: o.userid ?? 'alice' },
    response_url: o.responseUrl,
    msgtype: 'text',
    text: { content },
  };
}

export interface Callback {
  url: string;
  body: string;
  cipher: string;
  query: SignedQuery;
}

/** `POST url?msg_signature&timestamp&nonce` with body `{"encrypt": …}`, signature over the ciphertext. */
export function messageCallback(callbackUrl: string, msg: unknown, o: CallbackOptions = {}): Callback {
  const cipher = encrypt(o.aesKey ?? WECOM_AES_KEY, JSON.stringify(msg), o.receiveId ?? AIBOT_RECEIVE_ID);
  return cipherCallback(callbackUrl, cipher, o);
}

/** A callback around any ciphertext (garbage included), correctly signed. */
export function cipherCallback(callbackUrl: string, cipher: string, o: CallbackOptions = {}): Callback {
  const query = sign(cipher, o);
  return { url: `${callbackUrl}?${new URLSearchParams({ ...query })}`, body: JSON.stringify({ encrypt: cipher }), cipher, query };
}

export async function post(cb: Callback): Promise<{ status: number; body: string }> {
  const res = await fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: cb.body });
  return { status: res.status, body: await res.text() };
}

export interface ResponseUrlServer {
  /** a fresh one-shot response_url (WeCom: valid 1 h, usable once) */
  next(): string;
  /** replies posted, in order */
  replies: { path: string; contentType: string; json: any }[];
  /** posts to an already used response_url (WeCom would refuse them) */
  reused: number;
  close(): Promise<void>;
}

/** The local stand-in for WeCom's response_url: accepts one JSON POST per URL, records it. */
export async function startResponseUrlServer(): Promise<ResponseUrlServer> {
  const used = new Set<string>();
  const state: ResponseUrlServer = {
    next: () => `${base}/cgi-bin/aibot/response?response_code=${randomUUID()}`,
    replies: [],
    reused: 0,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const answer = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'POST') {
        answer({ errcode: 404, errmsg: 'not found' });
        return;
      }
      if (used.has(path)) {
        state.reused += 1;
        answer({ errcode: 40001, errmsg: 'response_url already used' });
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        answer({ errcode: 44004, errmsg: 'wrong json format' });
        return;
      }
      used.add(path);
      state.replies.push({ path, contentType: String(req.headers['content-type'] ?? ''), json });
      answer({ errcode: 0, errmsg: 'ok' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** The text a person reads in a reply: markdown.content or text.content. */
export function replyText(json: any): string {
  return String(json?.markdown?.content ?? json?.text?.content ?? '');
}

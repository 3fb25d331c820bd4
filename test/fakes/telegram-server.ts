/**
 * A fake Telegram Bot API (sendMessage only), written from core.telegram.org/bots/api and the Bot
 * FAQ (adapters/telegram/README.md cites each rule), not from the adapter: token → method →
 * parameters from the query and the JSON body → chat → HTML parse mode (known tags only, properly
 * nested and closed, only &lt; &gt; &amp; &quot; and numeric entities) → 1–4096 characters after
 * parsing → per-chat flood limits (1 a second; 20 a minute in a group) → the sent Message.
 * Answers are Bot API objects: {"ok":false,"error_code":N,"description":"…","parameters":{…}}.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { type Answer, byEndpoint, startHttpFake, Windows } from './http-fake.js';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified } from './types.js';

/** Bot FAQ: "avoid sending more than one message per second" per chat; "not … more than 20 messages per minute to the same group". */
const DEFAULT_RATES = [
  { max: 1, perMs: 1000 },
  { max: 20, perMs: 60_000 },
];
const TEXT_MAX = 4096;
const PATH = /^\/bot([^/]+)\/([A-Za-z]+)$/;

/** formatting-options, HTML style: the tags and the attributes Telegram understands. */
const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);
const ENTITY = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;

interface Chat {
  id: string;
  endpoint: string;
  token: string;
  rates: { max: number; perMs: number }[];
  migratedTo?: number;
  kicked?: boolean;
}

/** Parses Telegram HTML: the visible text, or the error the Bot API gives. */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const bytes = (i: number) => Buffer.byteLength(html.slice(0, i));
  const stack: string[] = [];
  let text = '';
  for (let i = 0; i < html.length; ) {
    const c = html[i]!;
    if (c === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return { error: `Bad Request: can't parse entities: Unclosed start tag at byte offset ${bytes(i)}` };
      const tag = html.slice(i + 1, end);
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim().toLowerCase();
        if (stack.pop() !== name) return { error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${bytes(i)}, expected "</${stack.at(-1) ?? ''}>", found "</${name}>"` };
      } else {
        const m = /^([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*$/i.exec(tag);
        const name = m?.[1]?.toLowerCase();
        if (!m || !name || !TAGS.has(name)) return { error: `Bad Request: can't parse entities: Unsupported start tag "${tag.split(/\s/)[0]}" at byte offset ${bytes(i)}` };
        const outer = stack.at(-1);
        if (outer === 'code' || (outer === 'pre' && name !== 'code')) return { error: `Bad Request: can't parse entities: Can't nest "${name}" inside "${outer}" at byte offset ${bytes(i)}` };
        if (name === 'blockquote' && stack.includes('blockquote')) return { error: `Bad Request: can't parse entities: Can't nest blockquote at byte offset ${bytes(i)}` };
        if (name === 'a') {
          const href = /href="([^"]*)"/.exec(m[2] ?? '')?.[1];
          if (href === undefined) return { error: `Bad Request: can't parse entities: Can't find URL of "a" at byte offset ${bytes(i)}` };
          if (stack.includes('a')) return { error: `Bad Request: can't parse entities: Can't nest "a" at byte offset ${bytes(i)}` };
        }
        stack.push(name);
      }
      i = end + 1;
    } else if (c === '&') {
      const m = ENTITY.exec(html.slice(i, i + 12));
      if (!m) return { error: `Bad Request: can't parse entities: Unsupported HTML entity at byte offset ${bytes(i)}` };
      text += m[1] === 'lt' ? '<' : m[1] === 'gt' ? '>' : m[1] === 'amp' ? '&' : m[1] === 'quot' ? '"' : String.fromCodePoint(Number(m[1]!.startsWith('#x') ? `0x${m[1]!.slice(2)}` : m[1]!.slice(1)));
      i += m[0].length;
    } else if (c === '>') {
      return { error: `Bad Request: can't parse entities: Unexpected end tag at byte offset ${bytes(i)}` };
    } else {
      text += c;
      i++;
    }
  }
  if (stack.length) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { text };
}

export interface TelegramFake extends FakePlatform {
  /** the bot is removed from the chat: sends answer 403 */
  kick(endpoint: string): void;
  /** the group became a supergroup: sends answer 400 with migrate_to_chat_id */
  migrate(endpoint: string): number;
}

export async function startTelegramFake(): Promise<TelegramFake> {
  const bots = new Set<string>();
  const chats = new Map<string, Chat>(); // `${token}/${chat_id}`
  const windows = new Windows();
  let messageId = 0;
  const fake = await startHttpFake(
    ({ req, url, raw, mediaType }, log): Answer => {
      const m = PATH.exec(url.pathname);
      const token = m ? decodeURIComponent(m[1]!) : '';
      const params: Record<string, any> = Object.fromEntries(url.searchParams);
      if (raw && mediaType === 'application/json') {
        try {
          Object.assign(params, JSON.parse(raw));
        } catch {
          return { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" } };
        }
      }
      const chat = chats.get(`${token}/${params.chat_id ?? ''}`);
      const endpoint = chat?.endpoint ?? `${fake.baseUrl}${url.pathname}`;
      const fail = (code: number, description: string, parameters?: Record<string, unknown>): Answer => {
        log.rejections.push({ at: Date.now(), endpoint, code });
        return { status: code, body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } };
      };
      if (!m) return fail(404, 'Not Found');
      if (!bots.has(token)) return fail(401, 'Unauthorized');
      if (m[2]!.toLowerCase() !== 'sendmessage') return fail(404, 'Not Found: method not found');
      if (req.method !== 'POST' && req.method !== 'GET') return fail(405, 'Method Not Allowed');
      if (params.chat_id === undefined || params.chat_id === '') return fail(400, 'Bad Request: chat_id is empty');
      if (!chat) return fail(400, 'Bad Request: chat not found');
      if (chat.kicked) return fail(403, 'Forbidden: bot was kicked from the supergroup chat');
      if (chat.migratedTo !== undefined) return fail(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: chat.migratedTo });
      if (typeof params.text !== 'string' || !params.text.trim()) return fail(400, 'Bad Request: message text is empty');
      let visible = params.text as string;
      if (params.parse_mode !== undefined) {
        if (params.parse_mode !== 'HTML') return fail(400, `Bad Request: unsupported parse_mode`);
        const parsed = parseTelegramHtml(params.text);
        if ('error' in parsed) return fail(400, parsed.error);
        visible = parsed.text;
      }
      if (!visible.trim()) return fail(400, 'Bad Request: text must be non-empty');
      if (visible.length > TEXT_MAX) return fail(400, 'Bad Request: message is too long');
      const wait = windows.take(endpoint, chat.rates);
      if (wait > 0) {
        const s = Math.ceil(wait / 1000);
        return fail(429, `Too Many Requests: retry after ${s}`, { retry_after: s });
      }
      // who is notified: inline mentions by id (tg://user?id=…) and @username mentions (formatting options)
      const html = String(params.text);
      const mentions: Notified = {
        all: false,
        users: [...[...html.matchAll(/<a href="tg:\/\/user\?id=(\d+)">/g)].map((x) => x[1]!), ...[...visible.matchAll(/(?:^|\s)@([A-Za-z][A-Za-z0-9_]{3,31})\b/g)].map((x) => x[1]!)],
        mobiles: [],
      };
      log.received.push({ at: Date.now(), endpoint, body: params, text: visible, mentions });
      return { status: 200, body: { ok: true, result: { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(chat.id), type: 'supergroup' }, text: visible } } };
    },
    { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } },
  );
  const find = (endpoint: string) => [...chats.values()].find((c) => c.endpoint === endpoint);
  return {
    protocol: 'telegram',
    baseUrl: fake.baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const token = `${randomInt(100000, 9_999_999_999)}:AA${randomBytes(24).toString('base64url').slice(0, 33)}`;
      bots.add(token);
      const id = `-100${randomInt(1_000_000_000, 9_999_999_999)}`;
      const endpoint = `${fake.baseUrl}/bot${token}/sendMessage?chat_id=${id}`;
      chats.set(`${token}/${id}`, { id, endpoint, token, rates: o.rateLimit ? [o.rateLimit] : DEFAULT_RATES });
      return { endpoint };
    },
    removeRobot(endpoint) {
      find(endpoint)!.kicked = true;
    },
    kick(endpoint) {
      find(endpoint)!.kicked = true;
    },
    migrate(endpoint) {
      const chat = find(endpoint)!;
      chat.migratedTo = -Number(`100${randomInt(1_000_000_000, 9_999_999_999)}`);
      return chat.migratedTo;
    },
    received: (e) => byEndpoint(fake.received, e),
    rejections: (e) => byEndpoint(fake.rejections, e),
    failNext: (n) => fake.failNext(n),
    close: () => fake.close(),
  };
}

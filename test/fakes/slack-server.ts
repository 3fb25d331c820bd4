/**
 * A fake Slack incoming webhook, written from Slack's documentation (adapters/slack/README.md
 * cites each rule), not from the adapter: path → JSON → text/blocks shape and limits → mrkdwn
 * escaping → per-webhook rate (one a second) → `ok`. Errors are Slack's HTTP statuses with its
 * short string bodies. Stricter than Slack in one way, on purpose: text Slack would render wrongly
 * (a bare `&`, `<` or `>` that is not markup) is refused with 400 invalid_blocks, so a test sees it.
 */
import { randomBytes } from 'node:crypto';
import { type Answer, byEndpoint, startHttpFake, Windows } from './http-fake.js';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified } from './types.js';

/** "In general we allow … no more than one message per second" (api.slack.com/docs/rate-limits). */
const DEFAULT_RATE = { max: 1, perMs: 1000 };
/** Block Kit: up to 50 blocks; a section's text at most 3000 characters (api.slack.com/reference/block-kit/blocks). */
const MAX_BLOCKS = 50;
const SECTION_TEXT_MAX = 3000;
/** chat.postMessage: text "truncated … 40,000 characters"; msg_too_long above it. */
const TEXT_MAX = 40_000;

const PATH = /^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;
/** what may follow `<` in mrkdwn: a link, a user/channel/group mention, a special mention (api.slack.com/reference/surfaces/formatting) */
const CONTROL = /^<(?:(?:https?:\/\/|mailto:)[^<>|\s]+(?:\|[^<>]*)?|@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^S[A-Z0-9]+|!(?:channel|here|everyone))>/;

interface Hook {
  endpoint: string;
  secret: string;
  rate: { max: number; perMs: number };
}

/** Why a mrkdwn string would not show as written, or undefined. */
export function mrkdwnProblem(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '&' && !/^&(amp|lt|gt);/.test(text.slice(i, i + 5))) return `unescaped & at ${i}`;
    if (c === '<') {
      const m = CONTROL.exec(text.slice(i));
      if (!m) return `unescaped < at ${i}`;
      i += m[0].length - 1;
      continue;
    }
    if (c === '>' && !(i === 0 || text[i - 1] === '\n')) return `unescaped > at ${i}`;
  }
  return undefined;
}

/** Who Slack notifies: <!channel> <!here> <!everyone> everyone; <@U…> that member (formatting: mentioning users). */
function notified(texts: string[]): Notified {
  const all = texts.join('\n');
  return { all: /<!(channel|here|everyone)>/.test(all), users: [...all.matchAll(/<@([UW][A-Z0-9]+)>/g)].map((m) => m[1]!), mobiles: [] };
}

const unescapeSlack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export async function startSlackFake(): Promise<FakePlatform> {
  const hooks = new Map<string, Hook>();
  const windows = new Windows();
  const fake = await startHttpFake(
    ({ req, url, raw, mediaType }, log): Answer => {
      const m = PATH.exec(url.pathname);
      const hook = m ? hooks.get(`${m[1]}/${m[2]}`) : undefined;
      const endpoint = hook?.endpoint ?? `${fake.baseUrl}${url.pathname}`;
      const refuse = (status: number, word: string): Answer => {
        log.rejections.push({ at: Date.now(), endpoint, code: status });
        return { status, body: word };
      };
      if (req.method !== 'POST') return refuse(405, 'invalid_method');
      if (!m || !hook) return refuse(404, 'no_service');
      if (hook.secret !== m[3]) return refuse(403, 'invalid_token');
      if (mediaType !== 'application/json') return refuse(400, 'invalid_payload');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw);
      } catch {
        return refuse(400, 'invalid_payload');
      }
      if (!body || typeof body !== 'object') return refuse(400, 'invalid_payload');
      const text = body.text;
      const blocks = body.blocks;
      if ((typeof text !== 'string' || !text.trim()) && !Array.isArray(blocks)) return refuse(400, 'no_text');
      if (typeof text === 'string' && text.length > TEXT_MAX) return refuse(400, 'msg_too_long');
      const shown: string[] = [];
      if (typeof text === 'string') {
        if (mrkdwnProblem(text)) return refuse(400, 'invalid_payload');
      }
      if (blocks !== undefined) {
        if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > MAX_BLOCKS) return refuse(400, 'invalid_blocks');
        for (const b of blocks as Record<string, any>[]) {
          if (b?.type !== 'section') continue; // only sections are checked here
          const t = b.text;
          if (!t || (t.type !== 'mrkdwn' && t.type !== 'plain_text') || typeof t.text !== 'string') return refuse(400, 'invalid_blocks');
          if (t.text.length < 1 || t.text.length > SECTION_TEXT_MAX) return refuse(400, 'invalid_blocks');
          if (t.type === 'mrkdwn' && mrkdwnProblem(t.text)) return refuse(400, 'invalid_blocks');
          shown.push(unescapeSlack(t.text));
        }
      }
      const wait = windows.take(endpoint, [hook.rate]);
      if (wait > 0) {
        log.rejections.push({ at: Date.now(), endpoint, code: 429 });
        return { status: 429, body: 'rate_limited', headers: { 'retry-after': String(Math.ceil(wait / 1000)) } };
      }
      const marked = [String(text ?? ''), ...((blocks as any[]) ?? []).map((b) => String(b?.text?.text ?? ''))];
      log.received.push({ at: Date.now(), endpoint, body, text: shown.length ? shown.join('\n') : unescapeSlack(String(text)), mentions: notified(marked) });
      return { status: 200, body: 'ok' };
    },
    { status: 500, body: 'rollup_error' },
  );
  return {
    protocol: 'slack',
    baseUrl: fake.baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const team = `T${randomBytes(5).toString('hex').toUpperCase()}`;
      const bot = `B${randomBytes(5).toString('hex').toUpperCase()}`;
      const secret = randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
      const endpoint = `${fake.baseUrl}/services/${team}/${bot}/${secret}`;
      hooks.set(`${team}/${bot}`, { endpoint, secret, rate: o.rateLimit ?? DEFAULT_RATE });
      return { endpoint };
    },
    removeRobot(endpoint) {
      for (const [k, h] of hooks) if (h.endpoint === endpoint) hooks.delete(k);
    },
    received: (e) => byEndpoint(fake.received, e),
    rejections: (e) => byEndpoint(fake.rejections, e),
    failNext: (n) => fake.failNext(n),
    close: () => fake.close(),
  };
}

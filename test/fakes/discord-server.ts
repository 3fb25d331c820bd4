/**
 * A fake Discord execute-webhook endpoint, written from Discord's documentation
 * (adapters/discord/README.md cites each rule), not from the adapter: webhook id → token → JSON →
 * message limits (content 2000; per embed title 256, description 4096, footer 2048; all embeds
 * 6000; 10 embeds) → allowed_mentions rules → per-webhook bucket (5 per 2 s) → 200 with the
 * message (`?wait=true`) or 204. Errors carry Discord's JSON codes.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { type Answer, byEndpoint, startHttpFake, Windows } from './http-fake.js';
import type { FakePlatform, FakeRobot, FakeRobotOptions, Notified } from './types.js';

const DEFAULT_RATE = { max: 5, perMs: 2000 };
const PATH = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([A-Za-z0-9_-]+)$/;

interface Hook {
  endpoint: string;
  token: string;
  rate: { max: number; perMs: number };
}

const formError = (path: string, code: string, message: string) => ({
  message: 'Invalid Form Body',
  code: 50035,
  errors: { [path]: { _errors: [{ code, message }] } },
});

/** Why Discord would refuse this body (HTTP 400), or undefined. */
function invalid(body: Record<string, any>): { code: number; body: unknown } | undefined {
  const content = body.content;
  const embeds = body.embeds;
  if ((content === undefined || content === '') && (!Array.isArray(embeds) || embeds.length === 0)) {
    return { code: 50006, body: { message: 'Cannot send an empty message', code: 50006 } };
  }
  if (content !== undefined && (typeof content !== 'string' || content.length > 2000)) {
    return { code: 50035, body: formError('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.') };
  }
  if (embeds !== undefined) {
    if (!Array.isArray(embeds) || embeds.length > 10) return { code: 50035, body: formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.') };
    let total = 0;
    for (const [i, e] of embeds.entries()) {
      const limits: [string, unknown, number][] = [
        ['title', e?.title, 256],
        ['description', e?.description, 4096],
        ['footer.text', e?.footer?.text, 2048],
        ['author.name', e?.author?.name, 256],
      ];
      for (const [name, v, max] of limits) {
        if (v === undefined) continue;
        if (typeof v !== 'string') return { code: 50035, body: formError(`embeds.${i}.${name}`, 'BASE_TYPE_STRING', 'Must be a string.') };
        if (v.length > max) return { code: 50035, body: formError(`embeds.${i}.${name}`, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`) };
        total += v.length;
      }
      if (e?.color !== undefined && !(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff)) {
        return { code: 50035, body: formError(`embeds.${i}.color`, 'NUMBER_TYPE_MAX', 'int value should be <= 16777215 and >= 0.') };
      }
    }
    if (total > 6000) return { code: 50035, body: formError('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000') };
  }
  const am = body.allowed_mentions;
  if (am !== undefined) {
    const parse: unknown[] = Array.isArray(am.parse) ? am.parse : [];
    if (parse.some((p) => p !== 'everyone' && p !== 'users' && p !== 'roles')) return { code: 50035, body: formError('allowed_mentions.parse', 'ENUM_TYPE_COERCE', 'Value must be one of (roles, users, everyone).') };
    if (parse.includes('users') && Array.isArray(am.users) && am.users.length) {
      return { code: 50035, body: formError('allowed_mentions', 'MENTION_PARSE_EXCLUSIVE', 'parse:["users"] and users: [ids] are mutually exclusive.') };
    }
  }
  return undefined;
}

/** Who this message would ping: `@everyone` and `<@id>` in content, as far as allowed_mentions lets them. */
export function pinged(body: Record<string, any>): string[] {
  const content = typeof body.content === 'string' ? body.content : '';
  const am = body.allowed_mentions;
  const parse: string[] = am ? (am.parse ?? []) : ['everyone', 'users', 'roles'];
  const users: string[] = am?.users ?? [];
  const out: string[] = [];
  if (/@everyone|@here/.test(content) && parse.includes('everyone')) out.push('@everyone');
  for (const m of content.matchAll(/<@!?(\d+)>/g)) if (parse.includes('users') || users.includes(m[1]!)) out.push(m[1]!);
  return out;
}

export async function startDiscordFake(): Promise<FakePlatform & { pings(endpoint: string): string[][] }> {
  const hooks = new Map<string, Hook>();
  const windows = new Windows();
  const fake = await startHttpFake(
    ({ req, url, raw, mediaType }, log): Answer => {
      const m = PATH.exec(url.pathname);
      const hook = m ? hooks.get(m[1]!) : undefined;
      const endpoint = hook?.endpoint ?? `${fake.baseUrl}${url.pathname}`;
      const refuse = (status: number, code: number, body: unknown, headers?: Record<string, string>): Answer => {
        log.rejections.push({ at: Date.now(), endpoint, code });
        return { status, body, headers };
      };
      if (req.method !== 'POST') return refuse(405, 0, { message: '405: Method Not Allowed', code: 0 });
      if (!m || !hook) return refuse(404, 10015, { message: 'Unknown Webhook', code: 10015 });
      if (hook.token !== m[2]) return refuse(401, 50027, { message: 'Invalid Webhook Token', code: 50027 });
      if (mediaType !== 'application/json') return refuse(400, 50006, { message: 'Cannot send an empty message', code: 50006 });
      let body: Record<string, any>;
      try {
        body = JSON.parse(raw);
      } catch {
        return refuse(400, 50109, { message: 'The request body contains invalid JSON.', code: 50109 });
      }
      const bad = invalid(body ?? {});
      if (bad) return refuse(400, bad.code, bad.body);
      const wait = windows.take(endpoint, [hook.rate]);
      const rateHeaders = { 'x-ratelimit-limit': String(hook.rate.max), 'x-ratelimit-reset-after': String(hook.rate.perMs / 1000), 'x-ratelimit-bucket': `fake-${m[1]}` };
      if (wait > 0) {
        const seconds = Math.ceil(wait) / 1000;
        return refuse(429, 429, { message: 'You are being rate limited.', retry_after: seconds, global: false }, { ...rateHeaders, 'retry-after': String(Math.ceil(seconds)), 'x-ratelimit-remaining': '0', 'x-ratelimit-scope': 'shared' });
      }
      // what a person reads: Discord markdown shows a backslash-escaped character as itself
      const text = [body.content, ...(body.embeds ?? []).flatMap((e: any) => [e.title, e.description, e.footer?.text])]
        .filter((s) => typeof s === 'string')
        .join('\n')
        .replace(/\\([^A-Za-z0-9\s])/g, '$1');
      const pings = pinged(body);
      const mentions: Notified = { all: pings.includes('@everyone'), users: pings.filter((p) => p !== '@everyone'), mobiles: [] };
      log.received.push({ at: Date.now(), endpoint, body, text, mentions });
      const message = { id: String(BigInt(Date.now()) * 4194304n + BigInt(randomInt(1 << 22))), type: 0, channel_id: '1', webhook_id: m[1], content: body.content ?? '', embeds: body.embeds ?? [] };
      return url.searchParams.get('wait') === 'true' ? { status: 200, body: message, headers: rateHeaders } : { status: 204, headers: rateHeaders };
    },
    { status: 502, body: { message: '502: Bad Gateway', code: 0 } },
  );
  return {
    protocol: 'discord',
    baseUrl: fake.baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const id = String(1_000_000_000_000_000n + BigInt(randomInt(2 ** 47)));
      const token = randomBytes(51).toString('base64url').slice(0, 68);
      const endpoint = `${fake.baseUrl}/api/webhooks/${id}/${token}`;
      hooks.set(id, { endpoint, token, rate: o.rateLimit ?? DEFAULT_RATE });
      return { endpoint };
    },
    removeRobot(endpoint) {
      for (const [k, h] of hooks) if (h.endpoint === endpoint) hooks.delete(k);
    },
    received: (e) => byEndpoint(fake.received, e),
    rejections: (e) => byEndpoint(fake.rejections, e),
    pings: (e) => byEndpoint(fake.received, e).map((r) => pinged(r.body)),
    failNext: (n) => fake.failNext(n),
    close: () => fake.close(),
  };
}

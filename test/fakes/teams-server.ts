/**
 * A fake Teams Workflows webhook ("When a Teams webhook request is received" trigger plus its
 * "Post card in a chat or channel" step), written from Microsoft's documentation
 * (adapters/teams/README.md cites each rule), not from the adapter: workflow → SAS signature
 * (sig) → JSON → the trigger's schema (a `message` with Adaptive Card attachments) → 28 KB →
 * mentions that match their entities → 202 Accepted. Errors are Logic Apps' {"error":{"code","message"}}.
 * Size is counted in UTF-8 bytes when the request states charset=utf-8, else as UTF-16 (2 bytes a
 * character), as was observed of Teams webhooks. Checks the real service makes only when the flow
 * runs (size, mentions) are answered here at once, so a test sees them.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { type Answer, byEndpoint, startHttpFake, Windows } from './http-fake.js';
import type { FakePlatform, FakeRobot, FakeRobotOptions } from './types.js';

/** "The message size limit is 28 KB" (Teams webhook documentation). */
const MAX_BYTES = 28 * 1024;
/** No published figure for Workflows; 4 a second, what Teams webhooks were documented at (UNCONFIRMED). */
const DEFAULT_RATE = { max: 4, perMs: 1000 };
const PATH = /^\/workflows\/([0-9a-f]{32})\/triggers\/manual\/paths\/invoke$/;
const CARD = 'application/vnd.microsoft.card.adaptive';

interface Flow {
  id: string;
  key: string;
  endpoint: string;
  rate: { max: number; perMs: number };
}

const err = (code: string, message: string) => ({ error: { code, message } });

/** Every TextBlock text in a card body, depth first (containers, columns). */
function texts(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((it: any) => [
    ...(it?.type === 'TextBlock' && typeof it.text === 'string' ? [it.text] : []),
    ...texts(it?.items),
    ...(Array.isArray(it?.columns) ? it.columns.flatMap((c: any) => texts(c?.items)) : []),
  ]);
}

/** Why the flow would fail on this body, or undefined. */
function invalid(body: any): { status: number; code: string; message: string } | undefined {
  if (body?.type !== 'message' || !Array.isArray(body.attachments) || body.attachments.length === 0) {
    return { status: 400, code: 'TriggerInputSchemaMismatch', message: "The input body for trigger 'manual' of type 'Request' did not match its schema definition." };
  }
  for (const a of body.attachments) {
    if (a?.contentType !== CARD) return { status: 400, code: 'TriggerInputSchemaMismatch', message: `Unsupported attachment content type '${a?.contentType}'.` };
    const card = a.content;
    if (card?.type !== 'AdaptiveCard' || typeof card.version !== 'string' || !Array.isArray(card.body)) {
      return { status: 400, code: 'InvalidTemplate', message: 'The attachment is not an Adaptive Card (type, version, body).' };
    }
    const all = texts(card.body).join('\n');
    const entities: any[] = card.msteams?.entities ?? [];
    for (const e of entities) {
      if (e?.type !== 'mention' || typeof e.text !== 'string' || typeof e.mentioned?.id !== 'string') return { status: 400, code: 'InvalidTemplate', message: 'A mention entity needs type, text and mentioned.id.' };
      if (!all.includes(e.text)) return { status: 400, code: 'InvalidTemplate', message: `Mention '${e.text}' is not in the card's text.` };
    }
    for (const m of all.matchAll(/<at>(.*?)<\/at>/g)) {
      if (!entities.some((e) => e.text === m[0])) return { status: 400, code: 'InvalidTemplate', message: `'${m[0]}' has no mention entity.` };
    }
  }
  return undefined;
}

export async function startTeamsFake(): Promise<FakePlatform> {
  const flows = new Map<string, Flow>();
  const windows = new Windows();
  const sign = (key: string, id: string) => createHmac('sha256', key).update(`POST/workflows/${id}/triggers/manual/paths/invoke`).digest('base64url').slice(0, 43);
  const fake = await startHttpFake(
    ({ req, url, raw, mediaType, charset }, log): Answer => {
      const m = PATH.exec(url.pathname);
      const flow = m ? flows.get(m[1]!) : undefined;
      const endpoint = flow?.endpoint ?? `${fake.baseUrl}${url.pathname}`;
      const refuse = (status: number, code: string, message: string, headers?: Record<string, string>): Answer => {
        log.rejections.push({ at: Date.now(), endpoint, code: status });
        return { status, body: err(code, message), headers };
      };
      if (!m || !flow) return refuse(404, 'WorkflowNotFound', `The workflow '${m?.[1] ?? ''}' could not be found.`);
      if (req.method !== 'POST') return refuse(405, 'TriggerRequestMethodNotValid', `The HTTP method for this request is not valid: expected 'POST' and actual '${req.method}'.`);
      const sig = url.searchParams.get('sig');
      if (!sig) return refuse(401, 'DirectApiAuthorizationRequired', 'The request must be authenticated only by Shared Access scheme.');
      if (sig !== sign(flow.key, flow.id) || url.searchParams.get('sp') !== '/triggers/manual/run' || !url.searchParams.get('api-version')) {
        return refuse(401, 'DirectApiInvalidAuthorizationSignature', "The provided request signature is not valid.");
      }
      if (mediaType !== 'application/json') return refuse(400, 'InvalidRequestContent', "The request content is not valid JSON or its content type is not 'application/json'.");
      const size = charset === 'utf-8' ? Buffer.byteLength(raw, 'utf8') : raw.length * 2;
      if (size > MAX_BYTES) return refuse(413, 'MessageTooLarge', `The message is ${size} bytes; the limit is ${MAX_BYTES}.`);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return refuse(400, 'InvalidRequestContent', 'The request content is not valid JSON.');
      }
      const bad = invalid(body);
      if (bad) return refuse(bad.status, bad.code, bad.message);
      const wait = windows.take(endpoint, [flow.rate]);
      if (wait > 0) return refuse(429, 'WorkflowRequestsThrottled', 'Rate limit is exceeded.', { 'retry-after': String(Math.ceil(wait / 1000)) });
      const card = (body as any).attachments[0].content;
      // who is notified: each mention entity (its <at> is in the text, checked above)
      const users = ((card.msteams?.entities ?? []) as any[]).map((e) => String(e.mentioned.id));
      log.received.push({ at: Date.now(), endpoint, body, text: texts(card.body).join('\n'), mentions: { all: false, users, mobiles: [] } });
      return { status: 202, headers: { 'x-ms-workflow-run-id': randomUUID() } };
    },
    { status: 502, body: err('BadGateway', 'The server did not receive a response from an upstream server.') },
  );
  return {
    protocol: 'teams',
    baseUrl: fake.baseUrl,
    addRobot(o: FakeRobotOptions = {}): FakeRobot {
      const id = randomBytes(16).toString('hex');
      const key = randomBytes(32).toString('hex');
      const endpoint = `${fake.baseUrl}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sign(key, id)}`;
      flows.set(id, { id, key, endpoint, rate: o.rateLimit ?? DEFAULT_RATE });
      return { endpoint };
    },
    removeRobot(endpoint) {
      for (const [k, f] of flows) if (f.endpoint === endpoint) flows.delete(k);
    },
    received: (e) => byEndpoint(fake.received, e),
    rejections: (e) => byEndpoint(fake.rejections, e),
    failNext: (n) => fake.failNext(n),
    close: () => fake.close(),
  };
}

/**
 * Trying things out before real messages go: `POST /v1/subscriptions/{id}/test` sends one short test
 * message through a subscription (one attempt, the platform's answer returned, never the endpoint).
 * The template preview is in ./template-preview.ts.
 */
import { Router } from 'express';
import type { Adapter, OutboundMessage, Outcome, Target } from '../../../adapters/types.js';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { newId } from '../../store/ids.js';
import { requireAdmin } from '../auth.js';

/**
 * A test attempt bypasses the delivery pacing (it must answer now), so each robot gets at most one
 * test every 10 s: a burst of clicks cannot push a robot over its platform limit (DingTalk: 20 a
 * minute, then 10 minutes of silence).
 */
export const TEST_COOLDOWN_MS = 10_000;
const ID = /^[a-z0-9]{1,64}$/;

export interface TestAnswer {
  ok: boolean;
  kind?: string;
  code?: string | number;
  message?: string;
}

/** Removes anything secret an error text might carry (an endpoint in a network error, a secret). */
function scrub(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('…');
  return out.replace(/(access_token|key|token|sign)=[^&\s"']+/gi, '$1=…').replace(/\/hook\/[^/\s"']+/g, '/hook/…');
}

function testMessage(topic: string, adapter: Adapter): OutboundMessage {
  const id = newId('t');
  return {
    messageId: id,
    deliveryId: `${id}.test`,
    topic,
    subject: 'Herald test message',
    text: `This is a test from Herald for topic **${topic}**: ${adapter.displayName} delivery works. No action needed.`,
    format: 'markdown',
    level: 'info',
    mentions: {},
    attributes: {},
    createdAt: new Date().toISOString(),
  };
}

function answerOf(outcome: Outcome, adapter: Adapter): TestAnswer {
  if (outcome.ok) return { ok: true, message: `${adapter.displayName} accepted the test message.` };
  return { ok: false, kind: outcome.kind, code: outcome.code, message: outcome.message };
}

export function subscriptionTestRoutes(h: Herald): Router {
  const r = Router();
  const lastTest = new Map<string, number>();

  r.post('/subscriptions/:id/test', requireAdmin, async (req, res) => {
    const id = req.params.id as string;
    const sub = ID.test(id) ? await h.subscriptions.open(id) : undefined;
    if (!sub) throw Errors.subscriptionNotFound();
    const adapter = h.adapters.get(sub.protocol);
    if (!adapter) throw Errors.unsupportedProtocol(`No adapter for protocol "${sub.protocol}" in this Herald.`);
    const target: Target = { subscriptionId: sub.id, endpoint: sub.plainEndpoint, secret: sub.plainSecret, keyword: sub.keyword };

    const key = adapter.limiterKey(target);
    const now = Date.now();
    const wait = (lastTest.get(key) ?? 0) + TEST_COOLDOWN_MS - now;
    if (wait > 0) {
      const secs = Math.ceil(wait / 1000);
      throw Errors.rateLimited(`This robot got a test message moments ago; try again in ${secs} s.`, { 'retry-after': String(secs) });
    }
    lastTest.set(key, now);
    for (const [k, at] of lastTest) if (at + TEST_COOLDOWN_MS < now) lastTest.delete(k);

    let answer: TestAnswer;
    try {
      const [first] = adapter.render(testMessage(sub.topic, adapter), target);
      answer = answerOf(await adapter.send(target, first, { http: h.http, now: Date.now, log: h.log }), adapter);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      answer = { ok: false, kind: 'transient', message: `network error: ${reason}` };
    }
    if (answer.message) answer.message = scrub(answer.message, [sub.plainEndpoint, sub.plainSecret]);
    await h.audit.record(req.principal!.name, 'subscription.test', sub.id, { topic: sub.topic, ok: answer.ok, code: answer.code });
    res.json(answer);
  });

  return r;
}

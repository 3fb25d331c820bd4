/**
 * A change and its audit entry are one write: a store that refuses the audit entry makes the whole
 * change not happen. The refusal is real and aimed at audit entries only: in SQLite a trigger on
 * the `keyv` table aborts any insert of an `audit:` row (as a full disk would abort that write);
 * in Redis an ACL lets Herald's user read every key but write none under `<prefix>audit:`. Each
 * refused admin write answers 5xx and leaves every topic, template, token, subscription, delivery
 * and the audit trail exactly as they were; a write with no audit entry (a publish) still goes
 * through, and once audit entries are taken again the same change is made and audited.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { dropPrefix, randomPrefix, REDIS_URL, redisConfig, redisEnv, redisMissing } from '../redis/support.js';

interface Refusal {
  h: TestHerald;
  /** from now on the store refuses every audit entry */
  refuse(): Promise<void>;
  allow(): Promise<void>;
  close(): Promise<void>;
}

const CONFIG = { delivery: { maxAttempts: 1 } };

async function embedded(): Promise<Refusal> {
  const h = await startTestHerald({ config: CONFIG });
  const db = new Database(join(h.dataDir, 'herald.sqlite'), { timeout: 5000 });
  return {
    h,
    async refuse() {
      db.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON keyv WHEN NEW.key LIKE 'audit:%' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    },
    async allow() {
      db.exec('DROP TRIGGER IF EXISTS refuse_audit');
    },
    async close() {
      db.close();
      await h.stop();
    },
  };
}

/** Glob patterns that match every key except those starting with `start` (Redis ACL key patterns only allow). */
function allBut(start: string): string[] {
  const esc = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');
  const out: string[] = [];
  for (let i = 0; i < start.length; i++) {
    if (i > 0) out.push(`~${esc(start.slice(0, i))}`);
    out.push(`~${esc(start.slice(0, i))}[^${start[i]}]*`);
  }
  return out;
}

async function shared(): Promise<Refusal> {
  const prefix = randomPrefix();
  const user = `herald-audit-${prefix.slice(-9, -1)}`;
  const password = `pw-${prefix.slice(-9, -1)}`;
  const admin = new Redis(REDIS_URL);
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '+@all', '&*', '~*');
  const url = new URL(REDIS_URL);
  url.username = user;
  url.password = password;
  const h = await startTestHerald({ env: redisEnv(url.toString()), config: redisConfig(prefix, CONFIG) });
  return {
    h,
    async refuse() {
      await admin.call('ACL', 'SETUSER', user, 'resetkeys', '%R~*', ...allBut(`${prefix}audit:`));
    },
    async allow() {
      await admin.call('ACL', 'SETUSER', user, 'resetkeys', '~*');
    },
    async close() {
      await h.stop();
      await admin.call('ACL', 'DELUSER', user);
      admin.disconnect();
      await dropPrefix(prefix);
    },
  };
}

const redisSkip = await redisMissing();

describe.each([
  ['the embedded store', embedded, false],
  ['Redis', shared, !!redisSkip],
] as const)('a change and its audit entry under %s', (_name, open, skip) => {
  let s: Refusal;
  let rx: Receiver;
  let subId: string;
  let deliveryId: string;
  let messageId: string;
  const api = (method: string, path: string, body?: unknown) => s.h.api(method, path, body);

  /** Everything a refused change could have touched, as the API shows it. */
  const state = async () => ({
    topics: (await api('GET', '/v1/topics')).body,
    templates: (await api('GET', '/v1/templates')).body,
    tokens: (await api('GET', '/v1/tokens')).body,
    subscriptions: (await api('GET', '/v1/topics/keep/subscriptions')).body,
    message: (await api('GET', `/v1/messages/${messageId}`)).body,
    audit: (await api('GET', '/v1/audit?limit=1000')).body,
  });

  beforeAll(async () => {
    if (skip) return;
    rx = await startReceiver();
    s = await open();
    expect((await api('POST', '/v1/topics', { name: 'keep' })).status).toBe(201);
    const sub = await api('POST', '/v1/topics/keep/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/hook` });
    expect(sub.status).toBe(201);
    subId = sub.body.id;
    expect((await api('POST', '/v1/templates', { name: 't', protocol: 'default', content: '{{message}}' })).status).toBe(201);
    expect((await api('POST', '/v1/tokens', { name: 'tok', scopes: ['publish:*'] })).status).toBe(201);
    rx.failNext(1, 500);
    messageId = (await api('POST', '/v1/topics/keep/publish', 'fails once')).body.messageId;
    const failed = await waitFor('the delivery to fail', async () => {
      const d = (await api('GET', `/v1/messages/${messageId}`)).body.deliveries?.[0];
      return d?.status === 'failed' && d;
    });
    deliveryId = failed.id;
    // muted, so that unmuting is a change
    expect((await api('POST', `/v1/subscriptions/${subId}/mute`, { for: '2h' })).status).toBe(200);
  }, 30_000);
  afterAll(async () => {
    await s?.close();
    await rx?.close();
  });

  const changes: [string, string, () => string, unknown?][] = [
    ['topic.create', 'POST', () => '/v1/topics', { name: 'fresh' }],
    ['topic.update', 'PATCH', () => '/v1/topics/keep', { displayName: 'Changed' }],
    ['topic.delete', 'DELETE', () => '/v1/topics/keep'],
    ['template.create', 'POST', () => '/v1/templates', { name: 't2', protocol: 'default', content: 'x' }],
    ['template.update', 'PUT', () => '/v1/templates/t/default', { content: 'changed {{message}}' }],
    ['template.delete', 'DELETE', () => '/v1/templates/t/default'],
    ['token.create', 'POST', () => '/v1/tokens', { name: 'tok2', scopes: ['admin'] }],
    ['token.delete', 'DELETE', () => '/v1/tokens/tok'],
    ['subscription.create', 'POST', () => '/v1/topics/keep/subscriptions', { protocol: 'webhook', endpoint: 'http://127.0.0.1:9/other' }],
    ['subscription.update', 'PATCH', () => `/v1/subscriptions/${subId}`, { remark: 'changed' }],
    ['subscription.mute', 'POST', () => `/v1/subscriptions/${subId}/mute`, { for: '5h' }],
    ['subscription.unmute', 'DELETE', () => `/v1/subscriptions/${subId}/mute`],
    ['subscription.delete', 'DELETE', () => `/v1/subscriptions/${subId}`],
    ['delivery.replay', 'POST', () => `/v1/deliveries/${deliveryId}/replay`],
    ['delivery.replay-all', 'POST', () => '/v1/deliveries/replay', { status: 'failed', topic: 'keep' }],
  ];

  it.skipIf(skip)('a refused audit entry leaves every change undone', async () => {
    const before = await state();
    await s.refuse();
    try {
      for (const [action, method, path, body] of changes) {
        const res = await api(method, path(), body);
        expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(500);
        expect(await state(), action).toEqual(before);
      }
      // the refusal is of audit entries only: a write without one goes through
      expect((await api('POST', '/v1/topics/keep/publish', 'no audit entry')).status).toBe(202);
    } finally {
      await s.allow();
    }
  }, 60_000);

  it.skipIf(skip)('once audit entries are taken again, the same change is made and audited', async () => {
    const res = await api('PATCH', '/v1/topics/keep', { displayName: 'Changed' });
    expect(res.status).toBe(200);
    expect((await api('GET', '/v1/topics/keep')).body.displayName).toBe('Changed');
    const audit = (await api('GET', '/v1/audit?limit=1000')).body.entries as { action: string; target: string }[];
    expect(audit.filter((e) => e.action === 'topic.update').map((e) => e.target)).toEqual(['keep']);
  });
});

/**
 * The adapter conformance kit: one set of cases every registered adapter must pass against its
 * platform's fake (test/fakes/), through the whole relay (publish → queue → limiter → adapter →
 * fake). A row says only what the kit cannot read from the adapter's own description: how to start
 * the fake, how a reader sees a level there, and which optional platform features the fake checks.
 * Everything else (mention kinds, secret endpoint parts, fields) comes from `describe`.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import { createLogger, redactText } from '../../src/log.js';
import type { FakePlatform, FakeRobotOptions, Received } from '../../test/fakes/types.js';
import { startTestHerald, type TestHerald, waitFor } from '../../test/helpers/herald.js';
import { adapterFactories } from '../index.js';
import { secretValues } from '../shared/mask.js';
import type { AdapterFactory, Level, RateWindow } from '../types.js';

export interface ConformanceRow {
  protocol: string;
  /** Starts the platform's fake from test/fakes/ (written from the platform's docs, never from the adapter). */
  fake(): Promise<FakePlatform>;
  /** What a reader sees of a message's level on this platform: header colour, marker, embed colour … */
  levelShown(r: Received): string;
  /** The fake refuses a message without the robot's custom keyword (DingTalk, Lark). */
  keywords?: boolean;
  /** The fake checks signatures: the platform code it answers a wrong secret with. */
  badSecretCode?: string | number;
  /** The platform's limits force a 60 KB message into several parts (false: it arrives whole). */
  splits: boolean;
  /** Keys under platforms.<protocol> for the test Herald, e.g. the fake's base URL (rateLimits are the kit's). */
  config?(fake: FakePlatform): Record<string, unknown>;
  /** Environment of the test Herald for this platform (e.g. its SMTP URL). */
  env?(fake: FakePlatform): Record<string, string>;
  /** A subscription secret the fake's robots accept, when the platform signs (default: none). */
  secret?: string;
  /** A user id (and phone number) of the shape the platform takes, for the mentions case (default user001 / 13800001111). */
  sample?: { user?: string; mobile?: string };
}

/** Pacing case: small so the kit runs in seconds, the same shape as the platforms' windows. */
export const BURST_WINDOW: RateWindow = { max: 20, perMs: 2500 };
const BURST = 45;
/** Storm case: far more messages than a window holds. */
const STORM = 120;
/**
 * The batched relay's limit for platforms that batch: tight enough that the storm always outruns
 * it, however slowly a loaded machine publishes (the fakes allow BURST_WINDOW, so it is never refused).
 */
const STORM_WINDOW: RateWindow = { max: 5, perMs: 5000 };
const LEVELS_SEEN: Level[] = ['info', 'warning', 'critical'];

/** Defines the suites: every registered adapter must have exactly one row, and each row passes every case. */
export function conformance(rows: readonly ConformanceRow[]): void {
  it('has one row for every registered adapter, and none for another', () => {
    expect(rows.map((r) => r.protocol).sort()).toEqual(adapterFactories.map((f) => f.protocol).sort());
  });

  let h: TestHerald;
  /** the same relay with each platform's own `batch` default (digests under a full robot); `h` has batching off */
  let batched: TestHerald;
  const fakes = new Map<string, FakePlatform>();
  const logLines: string[] = [];

  beforeAll(async () => {
    for (const row of rows) fakes.set(row.protocol, await row.fake());
    const platforms: Record<string, unknown> = {};
    let env: Record<string, string> = {};
    for (const row of rows) {
      const fake = fakes.get(row.protocol)!;
      platforms[row.protocol] = { ...row.config?.(fake), rateLimits: [BURST_WINDOW], batch: false };
      env = { ...env, ...row.env?.(fake) };
    }
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'debug', format: 'json' }, [new winston.transports.Stream({ stream: sink })]);
    h = await startTestHerald({ config: { delivery: { backoffMs: 50, maxBackoffMs: 200 }, platforms }, env, log });
    const withDefaults = Object.fromEntries(
      Object.entries(platforms).map(([p, section]) => {
        const { batch: _off, ...rest } = section as Record<string, unknown>;
        const batches = adapterFactories.find((f) => f.protocol === p)?.defaults.batch !== false;
        return [p, batches ? { ...rest, rateLimits: [STORM_WINDOW] } : rest];
      }),
    );
    batched = await startTestHerald({ config: { delivery: { backoffMs: 50, maxBackoffMs: 200 }, platforms: withDefaults }, env });
  });
  afterAll(async () => {
    await h?.stop();
    await batched?.stop();
    for (const f of fakes.values()) await f.close();
  });

  describe.each(rows.map((row) => ({ ...row, factory: adapterFactories.find((f) => f.protocol === row.protocol)! })))('$protocol', (row) => {
    let seq = 0;
    const fake = () => fakes.get(row.protocol)!;

    async function subscribe(robot: FakeRobotOptions = {}, extra: Record<string, unknown> = {}, on = h) {
      const r = fake().addRobot({ rateLimit: BURST_WINDOW, ...(row.secret ? { secret: row.secret } : {}), ...robot });
      const topic = `${row.protocol}-kit-${++seq}`;
      expect((await on.api('POST', '/v1/topics', { name: topic })).status).toBe(201);
      const body = { protocol: row.protocol, endpoint: r.endpoint, ...(r.secret ? { secret: r.secret } : {}), ...extra };
      const sub = await on.api('POST', `/v1/topics/${topic}/subscriptions`, body);
      expect(sub.status, JSON.stringify(sub.body)).toBe(201);
      return { topic, endpoint: r.endpoint, answer: sub.body };
    }

    async function publish(topic: string, body: Record<string, unknown>) {
      const pub = await h.api('POST', `/v1/topics/${topic}/publish`, body);
      expect(pub.status, JSON.stringify(pub.body)).toBe(202);
      return pub.body.messageId as string;
    }

    async function settled(messageId: string) {
      return waitFor(
        `delivery of ${messageId}`,
        async () => {
          const r = await h.api('GET', `/v1/messages/${messageId}`);
          const ds = r.body.deliveries;
          return ds?.length && ds.every((d: any) => d.status !== 'pending') ? { message: r, delivery: ds[0] } : undefined;
        },
        30_000,
      );
    }

    it('describes itself completely', () => {
      describedWell(row.factory);
    });

    it.each([
      ['plain text', { message: 'backup finished at 03:00', format: 'text' }],
      ['markdown with a subject', { subject: 'Deploy', message: 'api v2 is **out**\n\n- one\n- two' }],
    ])('delivers %s, accepted by the platform', async (_name, body) => {
      const { topic, endpoint } = await subscribe();
      const { delivery } = await settled(await publish(topic, body));
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
      const got = fake().received(endpoint);
      expect(got).toHaveLength(1);
      expect(got[0]!.text).toContain(String(body.message).split('\n')[0]!.replace(/\*/g, '').slice(0, 10));
      if ('subject' in body) expect(got[0]!.text).toContain(String(body.subject));
      expect(fake().rejections(endpoint)).toHaveLength(0);
    });

    it('shows the level: info, warning and critical look different', async () => {
      const { topic, endpoint } = await subscribe();
      for (const level of LEVELS_SEEN) expect((await settled(await publish(topic, { message: `level ${level}`, level }))).delivery.status).toBe('delivered');
      const shown = LEVELS_SEEN.map((level) => row.levelShown(fake().received(endpoint).find((r) => r.text.includes(`level ${level}`))!));
      expect(new Set(shown).size, shown.join(' | ')).toBe(LEVELS_SEEN.length);
    });

    it('notifies the mentioned people, as the platform reads its body', async () => {
      const kinds = row.factory.describe.mentions;
      const { topic, endpoint } = await subscribe();
      const user = row.sample?.user ?? 'user001';
      const mobile = row.sample?.mobile ?? '13800001111';
      const mentions = { ...(kinds.all ? { all: true } : {}), ...(kinds.users ? { users: [user] } : {}), ...(kinds.mobiles ? { mobiles: [mobile] } : {}) };
      await settled(await publish(topic, { message: 'look here', mentions }));
      const [got] = fake().received(endpoint);
      expect(got, 'the message arrived').toBeDefined();
      if (!kinds.all && !kinds.users && !kinds.mobiles) return; // the platform has no mentions: nothing to notify
      expect(got!.mentions, 'the fake reads who is notified').toBeDefined();
      if (kinds.all) expect(got!.mentions!.all).toBe(true);
      if (kinds.users) expect(got!.mentions!.users).toContain(user);
      if (kinds.mobiles) expect(got!.mentions!.mobiles).toContain(mobile);
    });

    if (row.keywords) {
      it("puts the subscription's keyword in every part; without it the robot refuses at once", async () => {
        const ok = await subscribe({ keywords: ['herald-kw'] }, { keyword: 'herald-kw' });
        expect((await settled(await publish(ok.topic, { message: 'with keyword' }))).delivery).toMatchObject({ status: 'delivered', attempts: 1 });
        const bare = await subscribe({ keywords: ['herald-kw'] });
        expect((await settled(await publish(bare.topic, { message: 'no keyword' }))).delivery).toMatchObject({ status: 'failed', attempts: 1 });
        expect(fake().received(bare.endpoint)).toHaveLength(0);
      });
    }

    it(`delivers a 60 KB message whole, ${row.splits ? 'in ordered parts that each fit' : 'in one part'}`, async () => {
      const { topic, endpoint } = await subscribe();
      const lines = Array.from({ length: 900 }, (_, i) => `- 第${i}行 line ${i}: 服务 [link](https://example.com/${i}) \`code\``);
      const message = lines.join('\n');
      expect(Buffer.byteLength(message)).toBeGreaterThan(60_000);
      const { delivery } = await settled(await publish(topic, { subject: 'Big', message }));
      expect(delivery).toMatchObject({ status: 'delivered' });
      const parts = delivery.parts ?? 1;
      if (row.splits) expect(parts).toBeGreaterThan(1);
      else expect(parts).toBe(1);
      const got = fake().received(endpoint);
      expect(got).toHaveLength(parts);
      const all = got.map((g) => g.text).join('\n');
      let from = 0;
      for (const i of [0, 1, 449, 450, 898, 899]) {
        const at = all.indexOf(`第${i}行`, from);
        expect(at, `line ${i} in order`).toBeGreaterThanOrEqual(from);
        from = at;
      }
      expect(fake().rejections(endpoint)).toHaveLength(0);
    });

    it('retries a transient platform failure, then delivers once', async () => {
      const { topic, endpoint } = await subscribe();
      fake().failNext(2);
      const { delivery } = await settled(await publish(topic, { message: 'after a hiccup' }));
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 3 });
      expect(fake().received(endpoint)).toHaveLength(1);
    });

    it('fails a removed robot after one attempt, with the platform code', async () => {
      const { topic, endpoint } = await subscribe();
      expect(fake().removeRobot, 'the fake can remove a robot').toBeDefined();
      fake().removeRobot!(endpoint);
      const { delivery } = await settled(await publish(topic, { message: 'nobody home' }));
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
      expect(delivery.lastCode).toBeDefined();
      expect(delivery.lastError).toBeTruthy();
    });

    if (row.badSecretCode !== undefined) {
      it('fails a wrong secret after one attempt, with the platform code and what to do', async () => {
        const { topic, endpoint } = await subscribe({ secret: `SEC${'cd34'.repeat(16)}` }, { secret: `SEC${'0000'.repeat(16)}` });
        const { delivery } = await settled(await publish(topic, { message: 'signed wrong' }));
        expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastCode: row.badSecretCode });
        expect(delivery.lastError).toMatch(/secret|sign/i);
        expect(fake().received(endpoint)).toHaveLength(0);
      });
    }

    it('never shows or logs a secret part of the endpoint', async () => {
      const { topic, endpoint, answer } = await subscribe();
      const parts = row.factory.describe.secretParts;
      const inEndpoint = secretValues(endpoint, parts);
      if (parts.length) expect(inEndpoint.length, 'the endpoint holds the secret parts the adapter declares').toBeGreaterThan(0);
      // and the platform's secret settings (an SMTP URL's password …), as the row set them
      const env = row.env?.(fake()) ?? {};
      const settings = Object.entries(row.factory.env ?? {})
        .filter(([name, s]) => s.secret && env[name])
        .flatMap(([name]) => [env[name]!, passwordOf(env[name]!)]);
      const secrets = [...inEndpoint, ...settings].filter((s) => s.length >= 6);
      const adapter = h.running.herald.adapters.get(row.protocol)!;
      const masked = adapter.maskEndpoint(adapter.normalizeEndpoint(endpoint));
      fake().failNext(1); // a failed attempt logs too
      const { message } = await settled(await publish(topic, { message: 'mask me' }));
      const answers = [
        masked,
        JSON.stringify(answer),
        JSON.stringify((await h.api('GET', `/v1/topics/${topic}/subscriptions`)).body),
        JSON.stringify(message.body),
        JSON.stringify((await h.api('POST', `/v1/subscriptions/${answer.id}/test`)).body),
      ];
      // Free text is redacted by the declared parts; a generic URL (pathAndQuery) cannot be found in
      // free text, so such an adapter's endpoint must never reach a log line unmasked in the first place.
      const findable = !row.factory.describe.secretParts.some((p) => p.in === 'pathAndQuery');
      if (findable) h.running.herald.log.warn(`posting to ${endpoint} failed`, { url: endpoint, cause: `connect ${endpoint}` });
      const logged = logLines.join('\n');
      for (const s of secrets) {
        for (const text of answers) expect(text).not.toContain(s);
        expect(logged).not.toContain(s);
        if (findable) expect(redactText(`POST ${endpoint} failed`)).not.toContain(s);
      }
    });

    it(`paces a burst of ${BURST} inside every sliding window: none refused, none lost, in order`, async () => {
      const { topic, endpoint } = await subscribe();
      const ids: string[] = [];
      for (let i = 0; i < BURST; i++) ids.push(await publish(topic, { message: `burst ${i}` }));
      await waitFor(`${BURST} arrivals`, () => fake().received(endpoint).length >= BURST, 30_000);
      const got = fake().received(endpoint);
      expect(got).toHaveLength(BURST);
      for (let i = BURST_WINDOW.max; i < got.length; i++) expect(got[i]!.at - got[i - BURST_WINDOW.max]!.at).toBeGreaterThanOrEqual(BURST_WINDOW.perMs);
      expect(fake().rejections(endpoint)).toHaveLength(0);
      expect(got.map((r) => Number(/burst (\d+)/.exec(r.text)![1]))).toEqual([...Array(BURST).keys()]);
      for (const id of [ids[0]!, ids[BURST - 1]!]) expect((await settled(id)).delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    });

    it(`shows a storm of ${STORM} in full and in publish order, none refused: digests under the limit where the platform batches`, async () => {
      const batching = row.factory.defaults.batch !== false;
      const keyword = row.keywords ? { keyword: 'herald' } : {};
      const { topic, endpoint } = await subscribe(row.keywords ? { keywords: ['herald'] } : {}, keyword, batched);
      const mark = (i: number) => `storm-${String(i).padStart(3, '0')}-end`;
      const ids: string[] = [];
      for (let i = 0; i < STORM; i++) {
        const pub = await batched.api('POST', `/v1/topics/${topic}/publish`, { subject: `Alert ${i}`, message: mark(i), level: i % 2 ? 'critical' : 'info' });
        expect(pub.status).toBe(202);
        ids.push(pub.body.messageId);
      }
      const seen = () => fake().received(endpoint).map((r) => r.text).join('\n');
      await waitFor(`every message of the storm`, () => [...Array(STORM).keys()].every((i) => seen().includes(mark(i))), 40_000);
      const all = seen();
      let from = -1;
      for (let i = 0; i < STORM; i++) {
        const at = all.indexOf(mark(i));
        expect(at, mark(i)).toBeGreaterThan(from);
        from = at;
      }
      expect(fake().rejections(endpoint)).toHaveLength(0);
      const arrivals = fake().received(endpoint);
      if (row.keywords) for (const a of arrivals) expect(a.text).toContain('herald');
      const records = await Promise.all(
        ids.map((id) =>
          waitFor(`delivery of ${id}`, async () => {
            const d = (await batched.api('GET', `/v1/messages/${id}`)).body.deliveries?.[0];
            return d?.status === 'delivered' ? d : undefined;
          }, 30_000),
        ),
      );
      const folded = records.filter((d) => d.digest);
      if (!batching) {
        // machines as receivers: each message its own delivery
        expect(folded).toHaveLength(0);
        expect(arrivals).toHaveLength(STORM);
        return;
      }
      // the first window's worth one by one, then a digest (or its parts) per window
      expect(arrivals.length).toBeLessThan(STORM / 3);
      expect(folded.length).toBeGreaterThan(STORM / 2);
      expect(all).toMatch(/\d+ messages while this robot was at its rate limit/);
      // a folded delivery names its digest: a message of the topic that lists what it carried
      const digest = (await batched.api('GET', `/v1/messages/${folded[0].digest.split('.')[0]}`)).body;
      expect(digest).toMatchObject({ topic, source: 'digest' });
      expect(digest.deliveries[0]).toMatchObject({ status: 'delivered' });
      expect(digest.deliveries[0].carries).toContain(folded[0].id);
    }, 90_000);
  });
}

/** The description the core builds forms, OpenAPI, redaction and templates from is complete and consistent. */
function describedWell(f: AdapterFactory): void {
  const d = f.describe;
  expect(f.protocol).toMatch(/^[a-z][a-z0-9-]*$/);
  expect(d.displayName.trim()).not.toBe('');
  expect(d.summary.trim()).not.toBe('');
  expect(d.color).toMatch(/^#[0-9a-fA-F]{6}$/);
  const endpoint = d.fields.find((x) => x.name === 'endpoint');
  expect(endpoint, 'an endpoint field').toMatchObject({ required: true, secret: false });
  expect(new Set(d.fields.map((x) => x.name)).size).toBe(d.fields.length);
  for (const field of d.fields) {
    expect(field.label.trim(), field.name).not.toBe('');
    expect(field.example.trim(), field.name).not.toBe('');
    if (field.name === 'secret') expect(field.secret).toBe(true);
  }
  for (const part of d.secretParts) if (part.in === 'path') expect(part.after.length).toBeGreaterThanOrEqual(4);
  if (d.dialect) for (const key of ['bold', 'firing', 'resolved', 'note'] as const) expect(d.dialect[key]).toContain('{text}');
  if (d.dialect) expect(d.dialect.link).toMatch(/\{text\}[\s\S]*\{url\}|\{url\}[\s\S]*\{text\}/);
  for (const c of d.callbacks ?? []) expect(c.path === '' || c.path.startsWith('/')).toBe(true);
  // strict: the config check refuses keys the adapter does not have; the defaults pass its own schema
  expect(f.config.safeParse({ noSuchKey: 1 }).success).toBe(false);
  expect(f.config.safeParse({}).success).toBe(true);
  expect(Array.isArray(f.defaults.rateLimits)).toBe(true);
}

/** The password of a URL setting (smtps://user:pass@host), or ''. */
function passwordOf(value: string): string {
  try {
    return decodeURIComponent(new URL(value).password);
  } catch {
    return '';
  }
}

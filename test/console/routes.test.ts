/**
 * The API the console relies on, through real HTTP: GET /v1/whoami, POST /v1/subscriptions/{id}/test
 * (one attempt at the fake DingTalk server, its answer back, never the endpoint or the secret),
 * POST /v1/templates/preview, and /console itself (served files, headers, "not built" page).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePlugin } from '../../src/console/plugin.js';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import type { FakePlatform, FakeRobot } from '../fakes/types.js';
import { request, startTestHerald, type TestHerald } from '../helpers/herald.js';

let h: TestHerald;
let ding: FakePlatform;
let publisher: string;

beforeAll(async () => {
  ding = await startDingtalkFake();
  h = await startTestHerald({ env: { HERALD_ALLOW_HOSTS: '127.0.0.1' } });
  await h.api('POST', '/v1/topics', { name: 'ops' });
  publisher = (await h.api('POST', '/v1/tokens', { name: 'ci', scopes: ['publish:ops'] })).body.token;
});
afterAll(async () => {
  await h.stop();
  await ding.close();
});

const subscribe = async (robot: FakeRobot, extra: Record<string, unknown> = {}) => {
  const r = await h.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'dingtalk', endpoint: robot.endpoint, ...extra });
  expect(r.status).toBe(201);
  return r.body.id as string;
};

describe('GET /v1/whoami', () => {
  it('names the token and its scopes', async () => {
    expect((await h.api('GET', '/v1/whoami')).body).toEqual({ name: 'admin', scopes: ['admin'] });
    expect((await h.api('GET', '/v1/whoami', undefined, { token: publisher })).body).toEqual({ name: 'ci', scopes: ['publish:ops'] });
  });
  it('refuses no token or a wrong one with 401', async () => {
    expect((await h.api('GET', '/v1/whoami', undefined, { token: null })).status).toBe(401);
    expect((await h.api('GET', '/v1/whoami', undefined, { token: 'nope' })).body.error.code).toBe('unauthorized');
  });
});

describe('POST /v1/subscriptions/{id}/test', () => {
  it('sends one signed test message with the keyword and answers ok', async () => {
    const robot = ding.addRobot({ secret: 'SECtest-secret-0001', keywords: ['告警'] });
    const id = await subscribe(robot, { secret: robot.secret, keyword: '告警' });
    const r = await h.api('POST', `/v1/subscriptions/${id}/test`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, message: 'DingTalk accepted the test message.' });
    const got = ding.received(robot.endpoint);
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toContain('Herald test message');
    expect(got[0]!.text).toContain('告警');
    const audit = (await h.api('GET', '/v1/audit')).body.entries[0];
    expect(audit).toMatchObject({ action: 'subscription.test', target: id, details: { ok: true } });
  });

  it("returns the platform's refusal without the endpoint or the secret", async () => {
    const robot = ding.addRobot({ secret: 'SECthe-real-one' });
    const id = await subscribe(robot, { secret: 'SECa-wrong-one' });
    const r = await h.api('POST', `/v1/subscriptions/${id}/test`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, kind: 'permanent', code: 310000 });
    expect(r.body.message).toMatch(/secret/);
    const token = new URL(robot.endpoint).searchParams.get('access_token')!;
    const raw = JSON.stringify(r.body);
    for (const secret of [token, 'SECa-wrong-one', '127.0.0.1']) expect(raw).not.toContain(secret);
    expect(ding.received(robot.endpoint)).toHaveLength(0);
  });

  it('allows one test per robot every few seconds', async () => {
    const robot = ding.addRobot();
    const id = await subscribe(robot);
    expect((await h.api('POST', `/v1/subscriptions/${id}/test`)).body.ok).toBe(true);
    const again = await h.api('POST', `/v1/subscriptions/${id}/test`);
    expect(again.status).toBe(429);
    expect(again.body.error.code).toBe('rate_limited');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(ding.received(robot.endpoint)).toHaveLength(1);
  });

  it('is for admins, and 404 for an unknown subscription', async () => {
    const id = await subscribe(ding.addRobot());
    expect((await h.api('POST', `/v1/subscriptions/${id}/test`, undefined, { token: publisher })).status).toBe(403);
    expect((await h.api('POST', '/v1/subscriptions/s0000nothere/test')).body.error.code).toBe('subscription_not_found');
  });
});

describe('POST /v1/templates/preview', () => {
  it("renders the content and returns the adapter's payloads", async () => {
    const r = await h.api('POST', '/v1/templates/preview', {
      content: '{{commonLabels.alertname}} on {{#each alerts}}{{labels.instance}}{{/each}} ({{topic}})',
      protocol: 'dingtalk',
      context: { commonLabels: { alertname: 'HighCPU' }, alerts: [{ labels: { instance: 'web-1' } }] },
      subject: 'HighCPU',
      level: 'error',
      keyword: '告警',
    });
    expect(r.status).toBe(200);
    expect(r.body.rendered).toBe('HighCPU on web-1 (preview)');
    expect(r.body.payloads).toHaveLength(1);
    expect(r.body.payloads[0].msgtype).toBe('markdown');
    expect(r.body.payloads[0].markdown.title).toContain('告警');
    expect(r.body.payloads[0].markdown.text).toContain('HighCPU on web-1');
    const webhook = await h.api('POST', '/v1/templates/preview', { content: 'hi {{name}}', protocol: 'webhook', context: { name: 'ops' } });
    expect(webhook.body.payloads[0]).toMatchObject({ message: 'hi ops', topic: 'preview' });
  });

  it('refuses a template that does not compile, an unknown protocol, and non-admins', async () => {
    const bad = await h.api('POST', '/v1/templates/preview', { content: '{{#each x}}', protocol: 'lark' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_template');
    const proto = await h.api('POST', '/v1/templates/preview', { content: 'x', protocol: 'pigeon' });
    expect(proto.body.error.code).toBe('unsupported_protocol');
    expect((await h.api('POST', '/v1/templates/preview', { content: 'x', protocol: 'lark' }, { token: publisher })).status).toBe(403);
  });
});

describe('/console', () => {
  const serve = async (dir: string) => {
    const app = express();
    consolePlugin(dir).mount!(app);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(r)) };
  };

  it('serves the built files with a strict content security policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Herald console</title>');
    const s = await serve(dir);
    try {
      for (const path of ['/console', '/console/']) {
        const r = await request(s.url, 'GET', path, undefined, { token: null });
        expect(r.status).toBe(200);
        expect(r.body).toContain('Herald console');
        expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(r.headers.get('x-frame-options')).toBe('DENY');
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to build it when it is not built', async () => {
    const s = await serve(join(tmpdir(), 'herald-no-console-here'));
    try {
      const r = await request(s.url, 'GET', '/console/', undefined, { token: null });
      expect(r.status).toBe(503);
      expect(r.body).toContain('npm run build');
    } finally {
      await s.close();
    }
  });

  it('is mounted on a running Herald without a token', async () => {
    const r = await request(h.url, 'GET', '/console/', undefined, { token: null });
    expect([200, 503]).toContain(r.status);
    expect(String(r.body)).toMatch(/Herald console/);
  });
});

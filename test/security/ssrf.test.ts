/**
 * SSRF: webhooks go to public https addresses only, checked when subscribed (the name is resolved)
 * and again at every connection (guarded lookup; IP literals in the client wrapper).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookAdapter } from '../../adapters/webhook/index.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { createLogger } from '../../src/log.js';
import { classifyAddress } from '../../src/security/address.js';
import { EndpointPolicy } from '../../src/security/endpoint-policy.js';
import { BlockedAddressError, guardedLookup, guardHttpClient, trustedHostnames } from '../../src/security/guarded-lookup.js';
import { startTestHerald, tempDir, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const webhook = webhookAdapter.create({
  config: { rateLimits: [] },
  log: createLogger({ level: 'error', format: 'json' }),
  http: { post: () => Promise.reject(new Error('unused')), get: () => Promise.reject(new Error('unused')) },
  now: Date.now,
});

/** A DNS table: names that resolve to what an attacker would point them at. */
const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'ec2v6.example.com': ['fd00:ec2::254'],
  'internal.example.com': ['10.0.0.7'],
  'mapped.example.com': ['::ffff:192.168.1.1'],
};
const tableResolve = async (host: string) => {
  const a = DNS[host];
  if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return a;
};

describe('address classification', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', 'fd00:ec2::254', '100.64.0.1', '224.0.0.1',
    '0.0.0.0', '255.255.255.255', '240.0.0.1', '192.0.2.1', '::', '::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1',
    '::ffff:127.0.0.1', '[::ffff:127.0.0.1]', '::ffff:7f00:1', '64:ff9b::a00:1', '2002:a00:1::', '2001:db8::1',
    '2130706433', '0177.0.0.1', '0x7f.1', '0x7f000001', '127.1', '017700000001', 'not an address',
  ])('refuses %s', (a) => {
    expect(classifyAddress(a).ok).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('accepts the public address %s', (a) => {
    expect(classifyAddress(a)).toEqual({ ok: true, range: 'unicast' });
  });
});

describe('EndpointPolicy at subscribe time', () => {
  const policy = new EndpointPolicy(['gateway.internal:8080'], tableResolve);

  it('accepts https to a name whose every address is public', async () => {
    expect((await policy.check(webhook, 'https://hooks.example.com/herald')).hostname).toBe('hooks.example.com');
  });

  it.each([
    ['http://hooks.example.com/x', /must use https/],
    ['https://user:pw@hooks.example.com/x', /user name or password/],
    ['https://rebind.example.com/x', /resolves to 127\.0\.0\.1, a loopback address/],
    ['https://metadata.example.com/x', /169\.254\.169\.254, a linkLocal/],
    ['https://ec2v6.example.com/x', /fd00:ec2::254, a uniqueLocal/],
    ['https://internal.example.com/x', /private/],
    ['https://mapped.example.com/x', /ipv4Mapped/],
    ['https://nowhere.example.com/x', /does not resolve/],
    ['https://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['https://[fd00:ec2::254]/latest/meta-data/', /uniqueLocal/],
    ['https://2130706433/x', /loopback/],
    ['https://0177.0.0.1/x', /loopback/],
    ['https://0x7f.1/x', /loopback/],
    ['https://127.1/x', /loopback/],
    ['https://[::ffff:127.0.0.1]/x', /ipv4Mapped/],
    ['https://[::]/x', /unspecified/],
    ['https://0.0.0.0/x', /unspecified/],
    ['https://100.64.1.1/x', /carrierGradeNat/],
    ['https://224.0.0.1/x', /multicast/],
    ['https://240.0.0.1/x', /reserved/],
    ['http://gateway.internal:9090/x', /must use https/], // the allowance names another port
  ])('refuses %s', async (endpoint, reason) => {
    const err = await policy.check(webhook, endpoint).then(
      () => undefined,
      (e) => e,
    );
    expect(err?.code).toBe('invalid_endpoint');
    expect(err.message).toMatch(reason);
  });

  it('lets HERALD_ALLOW_HOSTS open a named host[:port], plain http and private addresses included', async () => {
    expect((await policy.check(webhook, 'http://gateway.internal:8080/hook')).port).toBe('8080');
  });

  it('refuses a user name or password for HERALD_ALLOW_HOSTS hosts too', async () => {
    for (const endpoint of ['http://user:pw@gateway.internal:8080/hook', 'http://user@gateway.internal:8080/hook', 'http://:pw@gateway.internal:8080/hook']) {
      await expect(policy.check(webhook, endpoint)).rejects.toMatchObject({ code: 'invalid_endpoint', message: expect.stringMatching(/user name or password/) });
    }
  });

  it('keeps platform hosts on the standard https port', async () => {
    const robot = { ...webhook, displayName: 'DingTalk', allowedHosts: ['oapi.dingtalk.com'] };
    for (const port of ['8443', '80', '444', '1']) {
      await expect(policy.check(robot, `https://oapi.dingtalk.com:${port}/robot/send?access_token=abc`)).rejects.toMatchObject({ code: 'invalid_endpoint' });
    }
    // :443 is the standard port spelled out
    await expect(policy.check(robot, 'https://oapi.dingtalk.com:443/robot/send?access_token=abc')).resolves.toBeInstanceOf(URL);
  });

  it('keeps robot protocols on their platform hosts, https only', async () => {
    const robot = { ...webhook, displayName: 'DingTalk', allowedHosts: ['oapi.dingtalk.com'] };
    await expect(policy.check(robot, 'https://oapi.dingtalk.com/robot/send?access_token=abc')).resolves.toBeInstanceOf(URL);
    await expect(policy.check(robot, 'http://oapi.dingtalk.com/robot/send?access_token=abc')).rejects.toMatchObject({ code: 'invalid_endpoint' });
    await expect(policy.check(robot, 'https://hooks.example.com/robot/send?access_token=abc')).rejects.toThrow(/must be on oapi\.dingtalk\.com/);
  });
});

describe('guarded lookup at connect time (real connections)', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  it('refuses a name that resolves to loopback, and names the reason instead of "fetch failed"', async () => {
    const port = new URL(rx.url).port;
    const client = guardHttpClient(createHttpClient({ timeoutMs: 5000, lookup: guardedLookup(new Set()) }), new Set());
    await expect(client.post(`http://localhost:${port}/x`, '{}')).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(client.post(`http://127.0.0.1:${port}/x`, '{}')).rejects.toThrow(/127\.0\.0\.1, loopback/);
    await expect(client.get(`http://[::ffff:127.0.0.1]:${port}/x`)).rejects.toThrow(/only public addresses/);
    expect(rx.hits).toHaveLength(0);
    await client.close();
  });

  it('connects to a host named in HERALD_ALLOW_HOSTS', async () => {
    const port = new URL(rx.url).port;
    const trusted = trustedHostnames([`localhost:${port}`]);
    const client = guardHttpClient(createHttpClient({ timeoutMs: 5000, lookup: guardedLookup(trusted) }), trusted);
    expect((await client.post(`http://localhost:${port}/ok`, '{}')).status).toBe(200);
    expect(rx.hits.map((h) => h.path)).toEqual(['/ok']);
    await client.close();
  });
});

describe('through a running Herald', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  it('refuses private and odd-notation webhook endpoints with invalid_endpoint and stores nothing', async () => {
    const h = await startTestHerald({ env: { HERALD_ALLOW_HOSTS: 'gateway.invalid' } });
    try {
      await h.api('POST', '/v1/topics', { name: 'ops' });
      const port = new URL(rx.url).port;
      for (const endpoint of [
        `http://127.0.0.1:${port}/x`,
        `https://127.0.0.1:${port}/x`,
        'https://localhost/x',
        'https://2130706433/x',
        'https://0177.0.0.1/x',
        'https://0x7f.1/x',
        'https://127.1/x',
        'https://[::ffff:127.0.0.1]/x',
        'https://[::1]/x',
        'https://169.254.169.254/latest/meta-data/iam/',
        'https://[fd00:ec2::254]/latest/meta-data/',
        'https://10.0.0.1/x',
      ]) {
        const r = await h.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint });
        expect(r.status, endpoint).toBe(400);
        expect(r.body.error.code).toBe('invalid_endpoint');
      }
      expect((await h.api('GET', '/v1/topics/ops/subscriptions')).body.subscriptions).toEqual([]);
      expect((await h.api('GET', '/v1/audit')).body.entries.filter((e: any) => e.action === 'subscription.create')).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('refuses credentials in the URL (allowed hosts too) and any port but 443 on platform hosts, storing nothing', async () => {
    const h = await startTestHerald({ env: { HERALD_ALLOW_HOSTS: '127.0.0.1' } });
    try {
      await h.api('POST', '/v1/topics', { name: 'ops' });
      const port = new URL(rx.url).port;
      const cases: [string, string][] = [
        ['webhook', `http://user:pw@127.0.0.1:${port}/x`],
        ['webhook', `http://user@127.0.0.1:${port}/x`],
        ['webhook', `http://:pw@127.0.0.1:${port}/x`],
        ['webhook', `http://%75ser:p%40ss@127.0.0.1:${port}/x`],
        ['webhook', `http://127.0.0.1:${port}@127.0.0.1:${port}/x`],
        ['webhook', 'https://user:pw@hooks.example.com/x'],
        ['dingtalk', 'https://u:p@oapi.dingtalk.com/robot/send?access_token=abc123'],
        ['dingtalk', 'https://oapi.dingtalk.com@evil.example/robot/send?access_token=abc123'],
        ['dingtalk', 'https://oapi.dingtalk.com:8443/robot/send?access_token=abc123'],
        ['dingtalk', 'https://OAPI.DINGTALK.COM:8443/robot/send?access_token=abc123'],
        ['dingtalk', 'https://oapi.dingtalk.com:80/robot/send?access_token=abc123'],
        ['dingtalk', 'https://oapi.dingtalk.com.:443/robot/send?access_token=abc123'],
        ['dingtalk', 'http://oapi.dingtalk.com/robot/send?access_token=abc123'],
        ['lark', 'https://open.feishu.cn:8443/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d'],
        ['lark', 'https://bot:x@open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d'],
        ['wecom', 'https://qyapi.weixin.qq.com:444/cgi-bin/webhook/send?key=0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d'],
        ['slack', 'https://hooks.slack.com:8443/services/T0001ABCD/B0002EFGH/abcdEFGH1234ijklMNOP5678'],
      ];
      for (const [protocol, endpoint] of cases) {
        const r = await h.api('POST', '/v1/topics/ops/subscriptions', { protocol, endpoint });
        expect([protocol, endpoint, r.status, r.body?.error?.code]).toEqual([protocol, endpoint, 400, 'invalid_endpoint']);
        // the answer names the reason, never the credential
        expect(r.body.error.message).not.toMatch(/pw|p%40ss|abc123/);
      }
      expect((await h.api('GET', '/v1/topics/ops/subscriptions')).body.subscriptions).toEqual([]);
      expect((await h.api('GET', '/v1/audit')).body.entries.filter((e: any) => e.action === 'subscription.create')).toEqual([]);
      // the same allowed host without credentials is fine
      expect((await h.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint: `http://127.0.0.1:${port}/x` })).status).toBe(201);
    } finally {
      await h.stop();
    }
  });

  it('checks again at delivery: once the allowance is gone, a stored private endpoint gets nothing', async () => {
    const dataDir = tempDir();
    const port = new URL(rx.url).port;
    const config = { delivery: { maxAttempts: 1 } };
    const first = await startTestHerald({ dataDir, config, env: { HERALD_ALLOW_HOSTS: `localhost:${port},127.0.0.1:${port}` } });
    await first.api('POST', '/v1/topics', { name: 'ops' });
    for (const host of ['localhost', '127.0.0.1']) {
      const r = await first.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint: `http://${host}:${port}/${host}` });
      expect(r.status).toBe(201);
    }
    await first.stop();

    const second = await startTestHerald({ dataDir, config, env: { HERALD_ALLOW_HOSTS: 'gateway.invalid' } });
    try {
      const pub = await second.api('POST', '/v1/topics/ops/publish', 'must not arrive');
      expect(pub.status).toBe(202);
      const rec = await waitFor('both deliveries to fail', async () => {
        const m = (await second.api('GET', `/v1/messages/${pub.body.messageId}`)).body;
        return m.deliveries.every((d: any) => d.status === 'failed') && m;
      });
      for (const d of rec.deliveries) expect(d.lastError).toMatch(/only public addresses are allowed/);
      expect(rx.hits).toHaveLength(0);
    } finally {
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

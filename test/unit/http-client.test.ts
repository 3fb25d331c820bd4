/**
 * The delivery HTTP client against real local servers: answers are read up to 64 KB, network
 * failures say what failed with a hint, and HTTPS_PROXY / HTTP_PROXY / NO_PROXY route requests
 * through a real local CONNECT proxy while the SSRF guard still checks the target.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, MAX_ANSWER_BYTES } from '../../src/delivery/http-client.js';
import { BlockedAddressError, guardedLookup, proxiedTargetCheck } from '../../src/security/guarded-lookup.js';
import { type ConnectProxy, startConnectProxy } from '../helpers/connect-proxy.js';
import { freePort } from '../helpers/spawn.js';

let server: Server;
let base: string;
let endlessBytes = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/small') return void res.writeHead(200).end('x'.repeat(MAX_ANSWER_BYTES - 1000));
    if (req.url === '/large') return void res.writeHead(200).end('x'.repeat(MAX_ANSWER_BYTES + 1));
    if (req.url === '/endless') {
      // 200, then an answer that never ends (written as fast as the client reads)
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'y');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) endlessBytes += chunk.length;
      };
      res.on('drain', pump);
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
function setProxyEnv(vars: Record<string, string>) {
  for (const k of PROXY_VARS) delete process.env[k];
  Object.assign(process.env, vars);
}
afterEach(() => {
  for (const k of PROXY_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
setProxyEnv({});

describe('answer bodies', () => {
  it('reads an answer under 64 KB whole', async () => {
    const http = createHttpClient({ timeoutMs: 10_000 });
    const res = await http.get(`${base}/small`);
    expect(res.body.length).toBe(MAX_ANSWER_BYTES - 1000);
    await http.close();
  });

  it('stops reading past 64 KB and says why', async () => {
    const http = createHttpClient({ timeoutMs: 10_000 });
    await expect(http.get(`${base}/large`)).rejects.toThrow(/answer too large: 127\.0\.0\.1:\d+ sent more than 64 KB/);
    await http.close();
  });

  it('aborts an endless answer after 64 KB instead of waiting for the timeout', async () => {
    // a 10-minute timeout: only the size bound can end this attempt within the test's time
    const http = createHttpClient({ timeoutMs: 600_000 });
    const err = await http.post(`${base}/endless`, '{}').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/answer too large/);
    expect((err as { code?: string }).code).toBe('answer_too_large');
    // the receiver was cut off: it could not push much more than the bound plus socket buffers
    await new Promise((r) => setTimeout(r, 200));
    const sent = endlessBytes;
    await new Promise((r) => setTimeout(r, 300));
    expect(endlessBytes - sent).toBeLessThan(1024 * 1024);
    await http.close();
  });
});

describe('network errors name what failed', () => {
  it('connection refused', async () => {
    const port = await freePort();
    const http = createHttpClient({ timeoutMs: 5_000 });
    await expect(http.post(`http://127.0.0.1:${port}/hook?access_token=SECRET`, '{}')).rejects.toThrow(
      new RegExp(`^connection refused: 127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED\\).*HTTPS_PROXY`),
    );
    const err = await http.post(`http://127.0.0.1:${port}/hook?access_token=SECRET`, '{}').catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain('SECRET');
    await http.close();
  });

  it('DNS', async () => {
    const http = createHttpClient({ timeoutMs: 5_000 });
    // .invalid never resolves (RFC 6761); no packet leaves the machine for it
    await expect(http.get('http://no-such-host.invalid/x')).rejects.toThrow(/^DNS: no-such-host\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\).*HTTPS_PROXY/);
    await http.close();
  });

  it('TLS', async () => {
    const http = createHttpClient({ timeoutMs: 5_000 });
    // https to a plain-http server: the TLS handshake fails
    await expect(http.get(`${base.replace('http:', 'https:')}/x`)).rejects.toThrow(/^TLS: the secure connection to 127\.0\.0\.1:\d+ failed .*NODE_EXTRA_CA_CERTS/);
    await http.close();
  });

  it('timeout', async () => {
    const stall = createServer(() => {});
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const port = (stall.address() as { port: number }).port;
    const http = createHttpClient({ timeoutMs: 300 });
    await expect(http.get(`http://127.0.0.1:${port}/`)).rejects.toThrow(`timeout: no answer from 127.0.0.1:${port} within 300 ms (delivery.timeoutMs)`);
    await http.close();
    stall.closeAllConnections();
    stall.close();
  });
});

describe('outbound proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)', () => {
  let proxy: ConnectProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy();
  });
  afterAll(() => proxy.close());

  it('sends through HTTP_PROXY for http and HTTPS_PROXY for https targets, tunnelled with CONNECT', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:1' });
    const http = createHttpClient({ timeoutMs: 5_000 });
    const before = proxy.connects.length;
    const res = await http.post(`${base}/via-proxy`, '{}');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/via-proxy' });
    expect(proxy.connects.slice(before)).toEqual([base.replace('http://', '')]);
    await http.close();
    // https targets take HTTPS_PROXY: here a proxy that is not there, and the error says so
    const https = createHttpClient({ timeoutMs: 5_000 });
    await expect(https.get('https://127.0.0.1:9/x')).rejects.toThrow(
      /^proxy: cannot reach the proxy http:\/\/127\.0\.0\.1:1: it refused the connection \(ECONNREFUSED\); check HTTPS_PROXY/,
    );
    await https.close();
  });

  it('lower-case variables work too, and NO_PROXY hosts go direct', async () => {
    setProxyEnv({ http_proxy: proxy.url, no_proxy: 'example.org,127.0.0.1' });
    const http = createHttpClient({ timeoutMs: 5_000 });
    const before = proxy.connects.length;
    expect((await http.get(`${base}/direct`)).status).toBe(200);
    expect(proxy.connects.length).toBe(before);
    setProxyEnv({ http_proxy: proxy.url });
    expect((await http.get(`${base}/proxied`)).status).toBe(200);
    expect(proxy.connects.length).toBe(before + 1);
    await http.close();
  });

  it('sends Proxy-Authorization from the proxy URL, and names a refused login', async () => {
    const authed = await startConnectProxy({ auth: { user: 'herald', password: 's3cret' } });
    try {
      const http = createHttpClient({ timeoutMs: 5_000 });
      setProxyEnv({ HTTP_PROXY: `http://herald:s3cret@127.0.0.1:${authed.port}` });
      expect((await http.get(`${base}/authed`)).status).toBe(200);
      await http.close();
      const wrong = createHttpClient({ timeoutMs: 5_000 });
      setProxyEnv({ HTTP_PROXY: `http://herald:wrong@127.0.0.1:${authed.port}` });
      const err = (await wrong.get(`${base}/authed`).catch((e: Error) => e)) as Error;
      expect(err.message).toMatch(/^proxy: http:\/\/127\.0\.0\.1:\d+ answered HTTP 407 to CONNECT 127\.0\.0\.1:\d+; check the user name and password/);
      expect(err.message).not.toContain('wrong');
      await wrong.close();
    } finally {
      await authed.close();
    }
  });

  it('still refuses a private target behind the proxy, before the proxy is asked', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const trusted = new Set<string>();
    const http = createHttpClient({
      timeoutMs: 5_000,
      lookup: guardedLookup(trusted),
      checkProxiedTarget: proxiedTargetCheck(trusted, () => new Set()),
    });
    const before = proxy.connects.length;
    const port = (server.address() as { port: number }).port;
    const err = await http.get(`http://localhost:${port}/metadata`).catch((e: Error) => e);
    expect(err).toBeInstanceOf(BlockedAddressError);
    expect(proxy.connects.length).toBe(before);
    // a trusted host (HERALD_ALLOW_HOSTS) goes through
    const open = createHttpClient({
      timeoutMs: 5_000,
      lookup: guardedLookup(new Set(['localhost'])),
      checkProxiedTarget: proxiedTargetCheck(new Set(['localhost']), () => new Set()),
    });
    expect((await open.get(`http://localhost:${port}/ok`)).status).toBe(200);
    expect(proxy.connects.slice(before)).toEqual([`localhost:${port}`]);
    await http.close();
    await open.close();
  });
});

/**
 * A real Herald behind a real local forward proxy (test/helpers/connect-proxy.ts): with HTTP_PROXY
 * set, webhook deliveries, the Lark SDK (axios and its long-connection WebSocket) and the DingTalk
 * Stream SDK's WebSocket all go through the proxy as CONNECT tunnels; NO_PROXY hosts go direct.
 * (The platform fakes and receivers speak plain http on 127.0.0.1, so HTTP_PROXY is the variable
 * that applies; https targets take HTTPS_PROXY the same way, see test/unit/http-client.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies } from '../../src/commands/replies.js';
import { type StreamGateway, startStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { type LarkOpenServer, startLarkOpenServer, textEvent } from '../fakes/lark-open-server.js';
import { type ConnectProxy, startConnectProxy } from '../helpers/connect-proxy.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const APP_ID = 'cli_a1b2c3d4e5f60718';
const APP_SECRET = 'lark-app-secret-0123456789abcdef';
const CHAT = 'oc_a0553eda9014c201e6969b478895c230';
const DING_ID = 'dingherald0test0app';
const DING_SECRET = 'app-secret-0123456789-abcdefghij';

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));

let proxy: ConnectProxy;
let rx: Receiver;
let lark: LarkOpenServer;
let gw: StreamGateway;
let t: TestHerald;
const hostOf = (url: string) => new URL(url).host;

beforeAll(async () => {
  proxy = await startConnectProxy();
  for (const k of PROXY_VARS) delete process.env[k];
  process.env.HTTP_PROXY = proxy.url;
  rx = await startReceiver();
  lark = await startLarkOpenServer({ appId: APP_ID, appSecret: APP_SECRET, chats: { [CHAT]: { name: 'On-call', ownerId: 'ou_o', managerIds: [], botIn: true } } });
  gw = await startStreamGateway({ clientId: DING_ID, clientSecret: DING_SECRET });
  t = await startTestHerald({
    env: {
      HERALD_LARK_APP_ID: APP_ID,
      HERALD_LARK_APP_SECRET: APP_SECRET,
      HERALD_DINGTALK_CLIENT_ID: DING_ID,
      HERALD_DINGTALK_CLIENT_SECRET: DING_SECRET,
    },
    config: { platforms: { lark: { apiBase: lark.baseUrl, mode: 'websocket' }, dingtalk: { apiBase: gw.baseUrl } } },
  });
  expect((await t.api('POST', '/v1/topics', { name: 'alerts' })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([rx?.close(), lark?.close(), gw?.close(), proxy?.close()]);
  for (const k of PROXY_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('outbound requests through HTTP_PROXY', () => {
  it('delivers a webhook through the proxy', async () => {
    expect((await t.api('POST', '/v1/topics/alerts/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/hook` })).status).toBe(201);
    const pub = await t.api('POST', '/v1/topics/alerts/publish', { message: 'via the proxy' });
    expect(pub.status).toBe(202);
    await waitFor('the delivery', () => rx.hits.find((h) => h.json?.message === 'via the proxy'));
    expect(proxy.connects).toContain(hostOf(rx.url));
  });

  it('the Lark SDK connects its WebSocket and posts its replies through the proxy', async () => {
    await lark.ws.connected();
    const reply = lark.nextMessage(CHAT);
    const ack = await lark.ws.push(textEvent({ token: 'unused', appId: APP_ID, chatId: CHAT, senderOpenId: 'ou_m', text: '@_user_1 /help' }));
    expect(ack.code).toBe(200);
    expect((await reply).text).toBe(replies.help.en({ argument: '' }));
    // the endpoint request, the socket and the IM call all went to the fake by way of the proxy
    expect(proxy.connects.filter((c) => c === hostOf(lark.baseUrl)).length).toBeGreaterThanOrEqual(2);
    expect(proxy.requests).toEqual([]); // tunnelled, never sent as a plain absolute-URI request
  });

  it("the DingTalk Stream SDK's WebSocket goes through the proxy", async () => {
    await waitFor('the Stream client to connect', () => gw.connected() === 1);
    // one tunnel for the POST that opens the connection, one for the socket itself
    expect(proxy.connects.filter((c) => c === hostOf(gw.baseUrl)).length).toBeGreaterThanOrEqual(2);
  });

  it('NO_PROXY hosts are reached directly', async () => {
    process.env.NO_PROXY = '127.0.0.1';
    try {
      const before = proxy.connects.length;
      const pub = await t.api('POST', '/v1/topics/alerts/publish', { message: 'direct' });
      expect(pub.status).toBe(202);
      await waitFor('the delivery', () => rx.hits.find((h) => h.json?.message === 'direct'));
      expect(proxy.connects.length).toBe(before);
    } finally {
      delete process.env.NO_PROXY;
    }
  });
});

/**
 * A local DingTalk for app robots in Stream mode, written from research/platforms-inbound.md §1 (not
 * from the relay): the Stream gateway (§1.3: POST /v1.0/gateway/connections/open → ws endpoint +
 * single-use ticket; CALLBACK frames for /v1.0/im/bot/messages/get; ACKs checked), the app access
 * token (§1.5: POST /v1.0/oauth2/accessToken), the robot group-message API (§1.5: POST
 * /v1.0/robot/groupMessages/send) and the per-message sessionWebhook (§1.5). One port serves all.
 * Interactive cards, from research/platforms-chatops.md (DingTalk cards), not from the relay: the
 * built-in StandardCard of the robot card API (POST /v1.0/im/v1.0/robot/interactiveCards/send, PUT
 * /v1.0/im/robots/interactiveCards by cardBizId), card-platform templates (POST
 * /v1.0/card/instances/createAndDeliver, PUT /v1.0/card/instances by outTrackId), and the card
 * callback pushed over Stream (TOPIC_CARD) to a connection that subscribed it, the ACK's card data
 * applied to the card as DingTalk does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';

/** `ws` is the WebSocket library dingtalk-stream itself depends on (no @types installed: the part used here). */
interface WsSocket extends EventEmitter { send(data: string): void; close(): void; terminate(): void }
interface WsServer { handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, cb: (ws: WsSocket) => void): void; close(): void }
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: new (o: { noServer: true }) => WsServer };

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';
/** §1.3: "Ticket valid 90 s, single use". */
const TICKET_TTL_MS = 90_000;
/** §1.5: new-API tokens live 7200 s. */
const TOKEN_TTL_S = 7200;
/** §1.5: msgParam "must not exceed 15,000 bytes". */
const MAX_MSG_PARAM_BYTES = 15_000;
/** §1.2: sessionWebhookExpiredTime ≈ createAt + 90 min. */
const SESSION_TTL_MS = 5_400_000;
const MSG_KEYS: Record<string, string[]> = { sampleText: ['content'], sampleMarkdown: ['title', 'text'] };

export interface GroupPush { robotCode: string; openConversationId: string; msgKey: string; param: Record<string, string> }
export interface SessionReply { conversationId: string; body: any }
export interface Ack { messageId: string; code: number; data: string }

/** A card in a group: StandardCard JSON (`standard`), or a template's cardParamMap (`template`). */
export interface FakeCard {
  id: string;
  kind: 'standard' | 'template';
  templateId: string;
  openConversationId: string;
  callbackType?: string;
  data: any;
  /** every state after the first, in order: updates by the API, then by callback answers */
  edits: { by: 'api' | 'callback'; data: any }[];
}

/** robotCode of the app's robot: internal apps use the AppKey (§1.2). */
/** `templates`: card-platform template ids the app may use (createAndDeliver refuses others). */
export interface StreamGatewayOptions { clientId: string; clientSecret: string; robotCode?: string; templates?: string[] }

export async function startStreamGateway(opts: StreamGatewayOptions) {
  const robotCode = opts.robotCode ?? opts.clientId;
  const tickets = new Map<string, { expires: number; subscriptions: { type?: string; topic?: string }[] }>();
  const subscribed = new WeakMap<WsSocket, { type?: string; topic?: string }[]>();
  const cards = new Map<string, FakeCard>();
  const templates = new Set(opts.templates ?? []);
  const tokens = new Map<string, number>();
  const sessions = new Map<string, { conversationId: string; expires: number }>();
  /** groups the robot was added to: conversationId (= openConversationId, §1.2) */
  const groups = new Set<string>();
  const sockets = new Set<WsSocket>();
  const pendingAcks = new Map<string, (a: Ack) => void>();
  const pings = new Map<string, string>();
  const state = {
    opens: 0,
    /** ACK frames for no frame the gateway sent, or malformed */
    strayFrames: [] as string[],
    pushes: [] as GroupPush[],
    replies: [] as SessionReply[],
    tokensIssued: 0,
    /** SYSTEM pings answered with their opaque data (§1.3.5) */
    pingEchoes: 0,
    /** the next n session-webhook requests are cut (connection destroyed) */
    cutReplies: 0,
    /** the next n group sends are throttled (403 QpsLimit: the family name is UNCONFIRMED, §5) */
    throttle: 0,
    /** the app lacks the card permission: card calls answer 403 Forbidden.AccessDenied.AccessTokenPermissionDenied */
    cardsDenied: false,
  };
  let baseUrl = '';
  const wss = new WebSocketServer({ noServer: true });

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
  };
  /** api.dingtalk.com errors: HTTP 4xx/5xx with {code, message, requestid} */
  const apiError = (res: ServerResponse, status: number, code: string, message: string): void =>
    json(res, status, { code, message, requestid: randomUUID() });

  function route(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body: any = parseJson(raw);
    if (req.method === 'PUT' && url.pathname === '/v1.0/im/robots/interactiveCards') return standardUpdate(req, res, body);
    if (req.method === 'PUT' && url.pathname === '/v1.0/card/instances') return templateUpdate(req, res, body);
    if (req.method !== 'POST') return apiError(res, 404, 'notFound', 'not found');
    if (url.pathname === '/v1.0/im/v1.0/robot/interactiveCards/send') return standardSend(req, res, body);
    if (url.pathname === '/v1.0/card/instances/createAndDeliver') return createAndDeliver(req, res, body);
    if (url.pathname === '/v1.0/gateway/connections/open') {
      state.opens++;
      if (body?.clientId !== opts.clientId || body?.clientSecret !== opts.clientSecret) {
        return apiError(res, 401, 'InvalidAuthentication', 'clientId or clientSecret is invalid');
      }
      const subs = Array.isArray(body.subscriptions) ? body.subscriptions : [];
      if (!subs.some((s: any) => s?.type === 'CALLBACK' && s?.topic === TOPIC_ROBOT)) {
        return apiError(res, 400, 'invalidParameter', 'no CALLBACK subscription for robot messages');
      }
      const ticket = randomBytes(16).toString('hex');
      tickets.set(ticket, { expires: Date.now() + TICKET_TTL_MS, subscriptions: subs });
      return json(res, 200, { endpoint: `${baseUrl.replace('http', 'ws')}/connect`, ticket });
    }
    if (url.pathname === '/v1.0/oauth2/accessToken') {
      if (body?.appKey !== opts.clientId || body?.appSecret !== opts.clientSecret) {
        return apiError(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
      }
      const token = randomBytes(16).toString('hex');
      tokens.set(token, Date.now() + TOKEN_TTL_S * 1000);
      state.tokensIssued++;
      return json(res, 200, { accessToken: token, expireIn: TOKEN_TTL_S });
    }
    if (url.pathname === '/v1.0/robot/groupMessages/send') return groupSend(req, res, body);
    if (url.pathname === '/robot/sendBySession') {
      const session = sessions.get(url.searchParams.get('session') ?? '');
      if (state.cutReplies > 0) {
        state.cutReplies--;
        req.socket.destroy();
        return;
      }
      if (!session || session.expires < Date.now()) return json(res, 200, { errcode: 300001, errmsg: 'session 不存在或已过期' });
      const content = body?.msgtype === 'text' ? body.text?.content : body?.msgtype === 'markdown' ? body.markdown?.text : undefined;
      if (typeof content !== 'string' || content === '') return json(res, 200, { errcode: 40035, errmsg: '缺少参数 json' });
      state.replies.push({ conversationId: session.conversationId, body });
      return json(res, 200, { errcode: 0, errmsg: 'ok' });
    }
    return apiError(res, 404, 'notFound', 'not found');
  }

  /** Every api.dingtalk.com call carries `x-acs-dingtalk-access-token` (§1.5). */
  function authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const expires = tokens.get(String(req.headers['x-acs-dingtalk-access-token'] ?? ''));
    if (expires && expires >= Date.now()) return true;
    apiError(res, 400, 'InvalidAuthentication', '不合法的access_token');
    return false;
  }

  /** StandardCard JSON (card builder): a header title and a contents array. */
  const standardCardOk = (d: any): boolean =>
    !!d && typeof d === 'object' && typeof d.header?.title?.text === 'string' && d.header.title.text !== '' && Array.isArray(d.contents);

  // Error codes of the robot card API are not in the docs we have (UNCONFIRMED): the fake answers the
  // api.dingtalk.com shape {code, message, requestid} with HTTP 400 and descriptive codes.
  /** api.dingtalk.com's answer to a token whose app lacks the API's permission. */
  function permitted(res: ServerResponse): boolean {
    if (!state.cardsDenied) return true;
    apiError(res, 403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', '没有调用该接口的权限');
    return false;
  }

  function standardSend(req: IncomingMessage, res: ServerResponse, body: any) {
    if (!authorized(req, res) || !permitted(res)) return;
    if (!body || typeof body !== 'object') return apiError(res, 400, 'invalidParameter', '参数不合法');
    if (body.cardTemplateId !== 'StandardCard' && !templates.has(body.cardTemplateId)) return apiError(res, 400, 'invalidParameter.cardTemplateId', '卡片模板不存在');
    if (typeof body.cardBizId !== 'string' || !body.cardBizId) return apiError(res, 400, 'invalidParameter.cardBizId', 'cardBizId不能为空');
    if (body.robotCode !== robotCode) return apiError(res, 400, 'invalidParameter.robotCode.notExsit', '机器人不存在');
    if (!groups.has(body.openConversationId)) return apiError(res, 400, 'invalid.openConversationId', '无效的openConversationId');
    const data = typeof body.cardData === 'string' ? parseJson(body.cardData) : undefined;
    if (body.cardTemplateId === 'StandardCard' && !standardCardOk(data)) return apiError(res, 400, 'invalidParameter.cardData', 'cardData不合法');
    // cardBizId is the card's idempotency id: the same id again is the same card (no second card)
    if (!cards.has(body.cardBizId)) {
      cards.set(body.cardBizId, { id: body.cardBizId, kind: 'standard', templateId: body.cardTemplateId, openConversationId: body.openConversationId, data, edits: [] });
    }
    return json(res, 200, { processQueryKey: randomBytes(12).toString('base64') });
  }

  function standardUpdate(req: IncomingMessage, res: ServerResponse, body: any) {
    if (!authorized(req, res)) return;
    const card = cards.get(body?.cardBizId);
    if (card?.kind !== 'standard') return apiError(res, 400, 'invalidParameter.cardBizId', '卡片不存在');
    const data = typeof body.cardData === 'string' ? parseJson(body.cardData) : undefined;
    if (card.templateId === 'StandardCard' && !standardCardOk(data)) return apiError(res, 400, 'invalidParameter.cardData', 'cardData不合法');
    card.data = data;
    card.edits.push({ by: 'api', data });
    return json(res, 200, { success: true });
  }

  /** cardParamMap is Map<String, String>: every value a string. */
  const paramMapOk = (m: unknown): m is Record<string, string> =>
    !!m && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every((v) => typeof v === 'string');

  /** createAndDeliver's documented error table: param.cardTemplateIdEmpty, param.outTrackIdEmpty, param.cardPublicDataEmpty, param.openSpaceModelInvalid. */
  function createAndDeliver(req: IncomingMessage, res: ServerResponse, body: any) {
    if (!authorized(req, res) || !permitted(res)) return;
    if (!body || typeof body !== 'object') return apiError(res, 400, 'param.empty', 'param.empty');
    if (typeof body.cardTemplateId !== 'string' || !body.cardTemplateId) return apiError(res, 400, 'param.cardTemplateIdEmpty', 'param.cardTemplateIdEmpty');
    if (typeof body.outTrackId !== 'string' || !body.outTrackId) return apiError(res, 400, 'param.outTrackIdEmpty', 'param.outTrackIdEmpty');
    if (!body.cardData?.cardParamMap) return apiError(res, 400, 'param.cardPublicDataEmpty', 'param.cardPublicDataEmpty');
    if (!paramMapOk(body.cardData.cardParamMap)) return apiError(res, 400, 'param.invalid', 'cardParamMap的值必须是字符串');
    if (!templates.has(body.cardTemplateId)) return apiError(res, 400, 'param.cardTemplateIdNotExist', '卡片模板不存在'); // UNCONFIRMED code
    const space = /^dtv1\.card\/\/IM_GROUP\.(.+)$/.exec(String(body.openSpaceId ?? ''));
    if (!space || !body.imGroupOpenSpaceModel) return apiError(res, 400, 'param.openSpaceModelInvalid', 'param.openSpaceModelInvalid');
    const cid = space[1]!;
    const delivered = body.imGroupOpenDeliverModel?.robotCode === robotCode && groups.has(cid);
    if (delivered && !cards.has(body.outTrackId)) {
      cards.set(body.outTrackId, {
        id: body.outTrackId,
        kind: 'template',
        templateId: body.cardTemplateId,
        openConversationId: cid,
        callbackType: body.callbackType,
        data: { ...body.cardData.cardParamMap },
        edits: [],
      });
    }
    // the instance is created either way; each space says whether the card reached it
    const deliverResults = [{ spaceType: 'IM_GROUP', spaceId: cid, success: delivered, ...(delivered ? { carrierId: randomBytes(8).toString('hex') } : { errorMsg: 'robot not in group' }) }];
    return json(res, 200, { success: true, result: { outTrackId: body.outTrackId, deliverResults } });
  }

  function templateUpdate(req: IncomingMessage, res: ServerResponse, body: any) {
    if (!authorized(req, res)) return;
    if (typeof body?.outTrackId !== 'string' || !body.outTrackId) return apiError(res, 400, 'param.outTrackIdEmpty', 'param.outTrackIdEmpty');
    const card = cards.get(body.outTrackId);
    if (card?.kind !== 'template') return apiError(res, 400, 'param.cardNotExist', '卡片不存在'); // UNCONFIRMED code
    if (!paramMapOk(body.cardData?.cardParamMap)) return apiError(res, 400, 'param.cardPublicDataEmpty', 'param.cardPublicDataEmpty');
    applyParams(card, body.cardData.cardParamMap, body.cardUpdateOptions?.updateCardDataByKey === true, 'api');
    return json(res, 200, { success: true, result: true });
  }

  /** updateCardDataByKey: only the keys given change; without it the card data is replaced. */
  function applyParams(card: FakeCard, params: Record<string, string>, byKey: boolean, by: 'api' | 'callback'): void {
    card.data = byKey ? { ...card.data, ...params } : { ...params };
    card.edits.push({ by, data: { ...card.data } });
  }

  function groupSend(req: IncomingMessage, res: ServerResponse, body: any) {
    if (!authorized(req, res)) return;
    if (state.throttle > 0 && state.throttle--) return apiError(res, 403, 'Forbidden.AccessDenied.QpsLimitForApi', '调用接口超过QPS限制');
    if (!body || typeof body !== 'object') return apiError(res, 400, 'invalidParameter.param.invalid', '参数不合法');
    const fields = MSG_KEYS[body.msgKey];
    if (!fields) return apiError(res, 400, 'invalidParameter.msgKey.invalid', 'msgKey无效');
    const param: any = typeof body.msgParam === 'string' ? parseJson(body.msgParam) : undefined;
    if (param === undefined) return apiError(res, 400, 'invalidParameter.msgParam.invalid', 'msgParam必须是json格式');
    if (Buffer.byteLength(body.msgParam, 'utf8') > MAX_MSG_PARAM_BYTES || !fields.every((f) => typeof param?.[f] === 'string' && param[f])) {
      return apiError(res, 400, 'invalidParameter.msgParam.invalid', 'msgParam不合法');
    }
    if (body.robotCode !== robotCode) return apiError(res, 400, 'invalidParameter.robotCode.notExsit', '机器人不存在');
    if (!groups.has(body.openConversationId)) return apiError(res, 400, 'invalid.openConversationId', '无效的openConversationId');
    state.pushes.push({ robotCode: body.robotCode, openConversationId: body.openConversationId, msgKey: body.msgKey, param });
    return json(res, 200, { processQueryKey: randomBytes(12).toString('base64') });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    const opened = tickets.get(ticket);
    tickets.delete(ticket); // single use
    if (url.pathname !== '/connect' || !opened || opened.expires < Date.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      subscribed.set(ws, opened.subscriptions);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data: Buffer) => onClientFrame(data.toString('utf8')));
      // §1.3.5: the gateway pings; the client must echo the opaque data.
      const ping = { id: randomUUID(), data: JSON.stringify({ opaque: randomUUID() }) };
      pings.set(ping.id, ping.data);
      send(ws, { type: 'SYSTEM', topic: 'ping', messageId: ping.id, data: ping.data });
    });
  });

  function onClientFrame(text: string): void {
    const f: any = parseJson(text);
    const id = f?.headers?.messageId;
    const resolve = typeof id === 'string' ? pendingAcks.get(id) : undefined;
    if (pings.get(id) !== undefined && f.code === 200 && f.data === pings.get(id)) {
      pings.delete(id);
      state.pingEchoes++;
      return;
    }
    if (!resolve || typeof f.code !== 'number' || typeof f.data !== 'string') {
      state.strayFrames.push(text);
      return;
    }
    pendingAcks.delete(id);
    const ack = { messageId: id, code: f.code, data: f.data };
    resolve(ack);
  }

  function send(ws: WsSocket, f: { type: string; topic: string; messageId: string; data: string }): void {
    const headers = { topic: f.topic, messageId: f.messageId, contentType: 'application/json', time: String(Date.now()), appId: opts.clientId };
    ws.send(JSON.stringify({ specVersion: '1.0', type: f.type, headers, data: f.data }));
  }

  /** The connection a frame goes out on: the newest (§1.3.7 says one of them, at random). */
  const current = (): WsSocket => [...sockets].pop() ?? fail('no Stream client is connected');

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    state,
    /** http://127.0.0.1:<port>: the relay's platforms.dingtalk.apiBase */
    baseUrl,
    robotCode,
    connected: () => sockets.size,
    /** A robot message as DingTalk sends it when a group member @-mentions the robot (§1.2). */
    robotMessage(o: { conversationId: string; text: string; title?: string; staffId?: string; isAdmin?: boolean; msgId?: string }) {
      groups.add(o.conversationId);
      const session = randomBytes(12).toString('hex');
      const createAt = Date.now();
      sessions.set(session, { conversationId: o.conversationId, expires: createAt + SESSION_TTL_MS });
      // §1.2 fields; the @mention is stripped by DingTalk, a leading space remains.
      return {
        conversationId: o.conversationId, conversationType: '2', conversationTitle: o.title ?? 'On-call',
        chatbotCorpId: 'ding-corp', chatbotUserId: '$:LWCP_v1:$bot', msgId: o.msgId ?? `msg${randomBytes(8).toString('hex')}`,
        senderNick: 'Li Lei', isAdmin: o.isAdmin ?? true, senderStaffId: o.staffId ?? 'staff-1', senderId: '$:LWCP_v1:$sender',
        senderCorpId: 'ding-corp', sessionWebhook: `${baseUrl}/robot/sendBySession?session=${session}`,
        sessionWebhookExpiredTime: createAt + SESSION_TTL_MS, createAt, robotCode, msgtype: 'text', text: { content: ` ${o.text}` }, isInAtList: true,
      };
    },
    /** Pushes a CALLBACK frame; resolves with the client's ACK. */
    push(data: unknown, topic = TOPIC_ROBOT): Promise<Ack> {
      const messageId = randomUUID();
      const acked = new Promise<Ack>((r) => pendingAcks.set(messageId, r));
      send(current(), { type: 'CALLBACK', topic, messageId, data: typeof data === 'string' ? data : JSON.stringify(data) });
      return acked;
    },
    cards,
    /**
     * A group member presses a button of template card `outTrackId` whose callback parameters are
     * `params` (card platform: 回传请求). Pushed only to a connection that subscribed TOPIC_CARD, and
     * only for a card created with callbackType STREAM; the ACK's cardData is applied to the card.
     */
    async pressButton(o: { outTrackId: string; params: Record<string, string>; userId?: string; actionId?: string; messageId?: string }): Promise<Ack> {
      const card = cards.get(o.outTrackId) ?? fail(`no card ${o.outTrackId}`);
      if (card.kind !== 'template' || card.callbackType !== 'STREAM') fail('DingTalk calls back over Stream only for cards created with callbackType STREAM');
      const ws = current();
      if (!(subscribed.get(ws) ?? []).some((s) => s.type === 'CALLBACK' && s.topic === TOPIC_CARD)) fail('the Stream client did not subscribe to card callbacks');
      const data = {
        type: 'actionCallback',
        corpId: 'ding-corp',
        outTrackId: o.outTrackId,
        userId: o.userId ?? 'staff-1',
        userIdType: 1,
        spaceType: 'IM_GROUP',
        spaceId: card.openConversationId,
        content: JSON.stringify({ cardPrivateData: { actionIds: [o.actionId ?? 'button'], params: o.params } }),
        extension: '{}',
      };
      const messageId = o.messageId ?? randomUUID();
      const acked = new Promise<Ack>((r) => pendingAcks.set(messageId, r));
      send(ws, { type: 'CALLBACK', topic: TOPIC_CARD, messageId, data: JSON.stringify(data) });
      const ack = await acked;
      const response = (parseJson(ack.data) as { response?: any } | undefined)?.response;
      if (paramMapOk(response?.cardData?.cardParamMap)) applyParams(card, response.cardData.cardParamMap, response.cardUpdateOptions?.updateCardDataByKey === true, 'callback');
      return ack;
    },
    /** Sends raw text as a frame (forgeries, garbage). */
    pushRaw(text: string): void {
      current().send(text);
    },
    addGroup: (conversationId: string) => void groups.add(conversationId),
    /** Tokens revoked early: the next send with one is refused (InvalidAuthentication). */
    revokeTokens: () => tokens.clear(),
    /** §1.3.6: SYSTEM disconnect, then the server closes the socket. */
    dropConnections(): void {
      for (const ws of sockets) {
        send(ws, { type: 'SYSTEM', topic: 'disconnect', messageId: randomUUID(), data: '{"reason":"test"}' });
        ws.close();
      }
    },
    async close(): Promise<void> {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function fail(why: string): never {
  throw new Error(why);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type StreamGateway = Awaited<ReturnType<typeof startStreamGateway>>;

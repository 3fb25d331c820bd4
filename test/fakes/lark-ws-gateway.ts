/**
 * The long-connection side of the fake Lark open platform (research inbound §2.5, §2.8):
 * POST /callback/ws/endpoint hands out a ws:// URL on the same server, the socket speaks
 * protobuf `pbbp2.Frame`, events go out as data frames (method 1) with plain schema-2.0 JSON, and
 * the client's answer frame comes back with `{"code":200,"data":<base64>}`.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import protobuf from 'protobufjs';

/**
 * Schema as in the SDK (lib/index.js `pbbp2`), quoted in research §2.5, except SeqID/LogID as
 * uint32: the same varint on the wire for the small ids the fake uses, and no `long` package needed.
 */
const SCHEMA = `syntax = "proto2"; package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame { required uint32 SeqID = 1; required uint32 LogID = 2; required int32 service = 3;
  required int32 method = 4; repeated Header headers = 5; optional string payload_encoding = 6;
  optional string payload_type = 7; optional bytes payload = 8; optional string LogIDNew = 9; }`;
const Frame = protobuf.parse(SCHEMA).root.lookupType('pbbp2.Frame');
const SERVICE_ID = 7;

/** `ws` ships no types in this tree; this is the part of its API the fake uses. */
interface Socket {
  send(data: Uint8Array): void;
  on(event: 'message', fn: (data: Buffer) => void): void;
  close(): void;
  terminate(): void;
}
interface WsServer {
  handleUpgrade(req: unknown, socket: unknown, head: unknown, cb: (ws: Socket) => void): void;
  close(): void;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: new (o: { noServer: true }) => WsServer };

interface DecodedFrame {
  method: number;
  headers: { key: string; value: string }[];
  payload?: Uint8Array;
}

export interface LarkWsGateway {
  /** resolves when a client holds a connection */
  connected(): Promise<void>;
  /** pushes one event; resolves with the client's answer payload */
  push(event: unknown): Promise<{ code: number; data?: string }>;
  close(): void;
}

/**
 * Adds the endpoint route and the WebSocket upgrade to a fake server. `route` must be called by the
 * server's request handler first; it returns true when it answered.
 */
export function larkWsGateway(server: Server, baseUrl: string, app: { appId: string; appSecret: string }) {
  const wss = new WebSocketServer({ noServer: true });
  const sockets: Socket[] = [];
  let waiters: (() => void)[] = [];
  const pending = new Map<string, (answer: { code: number; data?: string }) => void>();
  let seq = 0;

  server.on('upgrade', (req: { url?: string }, socket: { destroy(): void }, head: unknown) => {
    if (!req.url?.startsWith('/ws?') || !req.url.includes(`service_id=${SERVICE_ID}`)) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      // connected once the client's first frame (its ping, sent on open) is in: by then it listens for
      // frames (the SDK attaches its listener a few ticks after open; a frame sent earlier is lost)
      let ready = false;
      ws.on('message', (buf) => {
        if (!ready) {
          ready = true;
          sockets.push(ws);
          for (const w of waiters) w();
          waiters = [];
        }
        const f = Frame.toObject(Frame.decode(buf), { longs: Number }) as DecodedFrame;
        const h = Object.fromEntries(f.headers.map((x) => [x.key, x.value]));
        if (f.method === 1 && h.message_id && pending.has(h.message_id)) {
          pending.get(h.message_id)!(JSON.parse(Buffer.from(f.payload ?? []).toString('utf8')));
          pending.delete(h.message_id);
        }
      });
    });
  });

  const gateway: LarkWsGateway & { route(method: string, path: string, body: any, send: (s: number, b: unknown) => void): boolean } = {
    route(method, path, body, send) {
      if (method !== 'POST' || path !== '/callback/ws/endpoint') return false;
      if (body?.AppID !== app.appId || body?.AppSecret !== app.appSecret) {
        send(200, { code: 1000040343, msg: 'app credentials invalid' });
        return true;
      }
      const url = `${baseUrl.replace(/^http/, 'ws')}/ws?device_id=d1&service_id=${SERVICE_ID}`;
      send(200, { code: 0, msg: 'ok', data: { URL: url, ClientConfig: { PingInterval: 120, ReconnectCount: 0, ReconnectInterval: 120, ReconnectNonce: 1 } } });
      return true;
    },
    connected: () => (sockets.length ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    push(event) {
      const id = `msg-${++seq}`;
      const frame = Frame.create({
        SeqID: seq,
        LogID: seq,
        service: SERVICE_ID,
        method: 1,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: id },
          { key: 'sum', value: '1' },
          { key: 'seq', value: '0' },
          { key: 'trace_id', value: `trace-${seq}` },
        ],
        payload: Buffer.from(JSON.stringify(event)),
      });
      return new Promise((resolve) => {
        pending.set(id, resolve);
        sockets.at(-1)!.send(Frame.encode(frame).finish());
      });
    },
    close() {
      for (const s of sockets) s.terminate();
      wss.close();
    },
  };
  return gateway;
}

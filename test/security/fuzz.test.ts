/**
 * Fuzzing every endpoint with what a careless or hostile client sends: malformed JSON, wrong types,
 * huge and deeply nested bodies, odd encodings and content types, path tricks, prototype-pollution
 * keys. Every answer is < 500, nothing changes (listings compared before and after), nothing is
 * polluted, and the server keeps serving. Seeded, so a failure replays exactly. The second-round
 * endpoints are in it too: PATCH and mute of a subscription, the match dry run, bulk replay, the
 * template preview, records listings with bad cursors and times, silences and silence links.
 */
import { request as httpRequest } from 'node:http';
import { gzipSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestHerald, type TestHerald } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const SEED = 0x5eed_4e7a;
const GENERATED = 600;
const MESSAGE_BYTES = 4096;

/** mulberry32: small, fast, deterministic */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!, int: (n: number) => Math.floor(next() * n) };
}

interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  token?: string | null;
}

let h: TestHerald;
let rx: Receiver;
let ciToken: string;
let subId: string;

/** `{sub}` in a path stands for the subscription made in beforeAll. */
function send(c: Case): Promise<{ status: number; body: string }> {
  const { port } = new URL(h.url);
  const path = c.path.replaceAll('{sub}', subId);
  const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
  const headers: Record<string, string> = { ...c.headers };
  const token = c.token === undefined ? ADMIN : c.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: c.method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every listing a change could show up in. */
async function snapshot(): Promise<string> {
  const get = async (path: string) => (await h.api('GET', path)).body;
  return JSON.stringify({
    topics: await get('/v1/topics'),
    subs: await get('/v1/topics/ops/subscriptions'),
    sub: await get(`/v1/subscriptions/${subId}`),
    deliveries: await get('/v1/deliveries?limit=500'),
    silences: await get('/v1/silences'),
    messages: await get('/v1/topics/ops/messages?limit=500'),
    templates: await get('/v1/templates'),
    tokens: (await get('/v1/tokens')).tokens.map((t: any) => [t.name, t.scopes]),
    audit: await get('/v1/audit?limit=1000'),
    failed: await get('/v1/deliveries/failed'),
    hits: rx.hits.length,
  });
}

/** Valid bodies per mutating JSON endpoint, with the string fields a wrong type can replace. */
const BODIES: Array<{ method: string; path: string; valid: Record<string, unknown>; strings: string[]; nullClears?: true }> = [
  { method: 'POST', path: '/v1/topics', valid: { name: 'fuzz-new', displayName: 'Fuzz' }, strings: ['name', 'displayName'] },
  { method: 'PATCH', path: '/v1/topics/ops', valid: { displayName: 'Renamed' }, strings: ['displayName'] },
  {
    method: 'POST',
    path: '/v1/topics/ops/subscriptions',
    valid: { protocol: 'webhook', endpoint: 'http://127.0.0.1:9/fuzz', secret: 'fuzz-secret' },
    strings: ['protocol', 'endpoint', 'secret'],
  },
  { method: 'POST', path: '/v1/templates', valid: { name: 'fuzz', protocol: 'default', content: '{{message}}' }, strings: ['name', 'protocol', 'content'] },
  { method: 'PUT', path: '/v1/templates/base/default', valid: { content: 'changed {{message}}' }, strings: ['content'] },
  { method: 'POST', path: '/v1/tokens', valid: { name: 'fuzz-token', scopes: ['admin'] }, strings: ['name'] },
  { method: 'POST', path: '/v1/topics/ops/publish', valid: { message: 'fuzz', level: 'info' }, strings: ['message', 'level'] },
  { method: 'PATCH', path: '/v1/subscriptions/{sub}', valid: { remark: 'fuzz', keyword: 'fuzz' }, strings: ['remark', 'keyword'], nullClears: true },
  { method: 'POST', path: '/v1/subscriptions/{sub}/mute', valid: { for: '2h' }, strings: ['for'] },
  { method: 'POST', path: '/v1/topics/ops/match', valid: { message: 'fuzz', level: 'info' }, strings: ['message', 'level'] },
  { method: 'POST', path: '/v1/deliveries/replay', valid: { status: 'failed', topic: 'ops' }, strings: ['status', 'topic'] },
  { method: 'POST', path: '/v1/templates/preview', valid: { content: '{{message}}', protocol: 'webhook' }, strings: ['content', 'protocol'] },
];

const WRONG_TYPES: unknown[] = [123, -1, 1.5, true, false, null, [], {}, ['x'], { $gt: '' }, [{}], 1e308];
const POLLUTION = [
  '"__proto__":{"polluted":"yes"}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"prototype":{"polluted":"yes"}',
  '"__proto__":{"__proto__":{"polluted":"yes"}}',
];
const MALFORMED = ['{', '}', '{"name":', '{"a":1,}', "{'name':'x'}", 'nul', 'undefined', '[1,2', '"open', '{"name":"x"} trailing', '\u0000', '{"name":"\\ud800"}', 'NaN', '{"name":"x","name":{"$ne":1}'];
const CONTENT_TYPES = [
  'application/json; charset=latin1',
  'application/json; charset=iso-8859-1',
  'application/json; charset=x-unknown',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  '',
];
/** Publish reads any non-JSON type as the message text (`curl -d 'backup done'`), so only JSON types are invalid there. */
const typesFor = (path: string) => (path.endsWith('/publish') ? CONTENT_TYPES.filter((t) => t.startsWith('application/json')) : CONTENT_TYPES);
const ENCODINGS = ['gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity'];

/** Path tricks against every route: dot segments, encoded slashes, NULs, very long names, unicode. */
function pathCases(): Case[] {
  const names = [
    '%2e%2e', '..%2f..%2fadmin', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'ops%2fsubscriptions', 'ops%2F..%2F..', 'ops%00', '%00',
    '%ff%fe', '%E4%B8%AD%E6%96%87', '%F0%9F%94%A5', 'a'.repeat(300), 'b'.repeat(8_000), 'ops%20', '%20ops', 'OPS', 'ops.',
    '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '%5F%5Fproto%5F%5F', '%25', '%', '%%32%65', 'ops;drop', 'ops%0d%0aX-Injected:1',
  ];
  const out: Case[] = [];
  for (const n of names) {
    out.push(
      { method: 'GET', path: `/v1/topics/${n}` },
      { method: 'DELETE', path: `/v1/topics/${n}` },
      { method: 'PATCH', path: `/v1/topics/${n}`, body: '{"displayName":"x"}', headers: { 'content-type': 'application/json' } },
      { method: 'GET', path: `/v1/topics/${n}/subscriptions` },
      { method: 'POST', path: `/v1/topics/${n}/subscriptions`, body: '{"protocol":"webhook","endpoint":"http://127.0.0.1:9/x"}', headers: { 'content-type': 'application/json' } },
      { method: 'GET', path: `/v1/topics/${n}/messages` },
      { method: 'POST', path: `/v1/topics/${n}/publish`, body: 'path trick', headers: { 'content-type': 'text/plain' } },
      { method: 'GET', path: `/v1/subscriptions/${n}` },
      { method: 'DELETE', path: `/v1/subscriptions/${n}` },
      { method: 'POST', path: `/v1/subscriptions/${n}/test` },
      { method: 'GET', path: `/v1/messages/${n}` },
      { method: 'POST', path: `/v1/deliveries/${n}/replay` },
      { method: 'GET', path: `/v1/templates/${n}/default` },
      { method: 'DELETE', path: `/v1/templates/base/${n}` },
      { method: 'DELETE', path: `/v1/templates/${n}/default` },
      { method: 'DELETE', path: `/v1/tokens/${n}` },
      { method: 'PATCH', path: `/v1/subscriptions/${n}`, body: '{"remark":"x"}', headers: { 'content-type': 'application/json' } },
      { method: 'POST', path: `/v1/subscriptions/${n}/mute`, body: '{"for":"1h"}', headers: { 'content-type': 'application/json' } },
      { method: 'DELETE', path: `/v1/subscriptions/${n}/mute` },
      { method: 'POST', path: `/v1/topics/${n}/match`, body: '{"message":"x"}', headers: { 'content-type': 'application/json' } },
      { method: 'DELETE', path: `/v1/silences/${n}` },
      { method: 'GET', path: `/silence/${n}` },
      { method: 'POST', path: `/silence/${n}`, body: 'duration=1h&by=fuzz', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { method: 'GET', path: `/console/${n}` },
      { method: 'POST', path: `/v1/callbacks/${n}`, body: '{}', headers: { 'content-type': 'application/json' } },
    );
  }
  out.push(
    { method: 'GET', path: '/v1/%2e%2e/v1/topics' },
    { method: 'GET', path: '/console/..%2f..%2fpackage.json' },
    { method: 'GET', path: '/console/%2e%2e/%2e%2e/config/default.yaml' },
    { method: 'GET', path: '//v1//topics' },
    { method: 'DELETE', path: '/v1/topics/ops/../ops' },
    { method: 'DELETE', path: '/v1/topics/?name=ops' },
    { method: 'DELETE', path: `/v1/tokens/ci?token=${ADMIN}`, token: null },
    { method: 'GET', path: `/v1/topics?limit=${'9'.repeat(500)}` },
    { method: 'GET', path: '/v1/audit?limit=-1&before=%00' },
    { method: 'GET', path: '/v1/audit?limit=1&limit=2' },
    { method: 'GET', path: '/v1/topics/ops/messages?limit=NaN' },
    { method: 'GET', path: '/v1/deliveries?status=bogus' },
    { method: 'GET', path: '/v1/deliveries?cursor=%00%ff' },
    { method: 'GET', path: `/v1/deliveries?cursor=${'A'.repeat(5000)}` },
    { method: 'GET', path: '/v1/deliveries?limit=-5' },
    { method: 'GET', path: '/v1/deliveries?topic=%00' },
    { method: 'GET', path: '/v1/deliveries?subscription=..%2f..' },
    { method: 'GET', path: '/v1/deliveries?status=failed&status=pending' },
    { method: 'GET', path: '/v1/topics/ops/messages?since=yesterday' },
    { method: 'GET', path: '/v1/topics/ops/messages?until=1e400&since=-1' },
    { method: 'GET', path: '/v1/topics/ops/messages?cursor=eyJzIjoiX19wcm90b19fIn0' },
    { method: 'GET', path: '/v1/silences?active=maybe' },
    { method: 'GET', path: `/v1/silences?topic=${'t'.repeat(300)}` },
    { method: 'POST', path: '/v1/topics/ops/match?format=nonsense', body: '{"message":"x"}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/topics/ops/match', body: '{"unknown":"shape"}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/subscriptions/{sub}/mute', body: '{"for":"-2h"}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/subscriptions/{sub}/mute', body: '{"for":"9999d"}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/subscriptions/{sub}/mute', body: '{"until":"2020-01-01T00:00:00Z"}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/subscriptions/{sub}/mute', body: '{"for":"1h","until":"2030-01-01T00:00:00Z"}', headers: { 'content-type': 'application/json' } },
    { method: 'PATCH', path: '/v1/subscriptions/{sub}', body: '{"endpoint":"http://127.0.0.1:9/other"}', headers: { 'content-type': 'application/json' } },
    { method: 'PATCH', path: '/v1/subscriptions/{sub}', body: '{}', headers: { 'content-type': 'application/json' } },
    { method: 'PATCH', path: '/v1/subscriptions/{sub}', body: '{"filter":{"level":"info"}}', headers: { 'content-type': 'application/json' } },
    { method: 'PATCH', path: '/v1/subscriptions/{sub}', body: '{"quietHours":{"from":"25:00","to":"08:00","timeZone":"Mars/Olympus"}}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/deliveries/replay', body: '{"status":"pending"}', headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/v1/deliveries/replay', body: '{"status":"failed","since":"not a time"}', headers: { 'content-type': 'application/json' } },
    { method: 'TRACE', path: '/v1/topics' },
    { method: 'OPTIONS', path: '/v1/topics' },
    { method: 'PROPFIND', path: '/v1/topics' },
  );
  return out;
}

/** Bodies against every mutating endpoint. */
function bodyCases(): Case[] {
  const r = rng(SEED);
  const json = { 'content-type': 'application/json' };
  const out: Case[] = [];
  for (const b of BODIES) {
    for (const m of MALFORMED) out.push({ method: b.method, path: b.path, body: m, headers: json });
    for (const p of POLLUTION) {
      out.push({ method: b.method, path: b.path, body: `{${p},${JSON.stringify(b.valid).slice(1)}`, headers: json });
      out.push({ method: b.method, path: b.path, body: `${JSON.stringify(b.valid).slice(0, -1)},${p}}`, headers: json });
    }
    for (const ct of typesFor(b.path)) {
      const text = JSON.stringify({ ...b.valid, [b.strings[0]!]: 42 });
      out.push({ method: b.method, path: b.path, body: text, headers: ct ? { 'content-type': ct } : {} });
    }
    const invalid = JSON.stringify({ ...b.valid, [b.strings[0]!]: [] });
    for (const enc of ENCODINGS) {
      const raw = enc.startsWith('gzip') ? gzipSync(invalid) : enc === 'deflate' ? deflateSync(invalid) : Buffer.from(invalid);
      out.push({ method: b.method, path: b.path, body: raw, headers: { ...json, 'content-encoding': enc } });
      out.push({ method: b.method, path: b.path, body: Buffer.from('not compressed at all'), headers: { ...json, 'content-encoding': enc } });
    }
    // a gzip bomb: small on the wire, far over every limit inflated
    out.push({ method: b.method, path: b.path, body: gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)), headers: { ...json, 'content-encoding': 'gzip' } });
    out.push({
      method: b.method,
      path: b.path,
      body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(invalid, 'utf16le')]),
      headers: { 'content-type': 'application/json; charset=utf-16' },
    });
    out.push({ method: b.method, path: b.path, body: JSON.stringify({ ...b.valid, [b.strings[0]!]: 'x'.repeat(2 * 1024 * 1024) }), headers: json });
    out.push({ method: b.method, path: b.path, body: `{"${b.strings[0]}":${'['.repeat(60_000)}${']'.repeat(60_000)}}`, headers: json });
    out.push({ method: b.method, path: b.path, body: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, headers: json });
    out.push({ method: b.method, path: b.path, body: Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]), headers: json });
  }
  for (let i = 0; i < GENERATED; i++) {
    const b = r.pick(BODIES);
    const body: Record<string, unknown> = { ...b.valid };
    const field = r.pick(b.strings);
    // `null` clears a field in a subscription PATCH: a valid change, not a wrong type
    body[field] = r.pick(b.nullClears ? WRONG_TYPES.filter((v) => v !== null) : WRONG_TYPES);
    if (r.next() < 0.3) body[`extra${r.int(5)}`] = r.pick(['x', 1, null]);
    let text = JSON.stringify(body);
    if (r.next() < 0.2) text = text.slice(0, r.int(text.length)); // truncated
    const headers: Record<string, string> = r.next() < 0.15 ? { 'content-type': r.pick(typesFor(b.path)) || 'application/json' } : json;
    const token = r.next() < 0.1 ? r.pick([null, 'wrong', ciToken, `${ADMIN} `]) : undefined;
    out.push({ method: b.method, path: b.path, body: text, headers, token });
  }
  return out;
}

beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald({ config: { quotas: { messageBytes: MESSAGE_BYTES } } });
  expect((await h.api('POST', '/v1/topics', { name: 'ops' })).status).toBe(201);
  subId = (await h.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/hook` })).body.id;
  expect((await h.api('POST', '/v1/templates', { name: 'base', protocol: 'default', content: '{{message}}' })).status).toBe(201);
  ciToken = (await h.api('POST', '/v1/tokens', { name: 'ci', scopes: ['publish:ops'] })).body.token;
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

describe(`fuzz (seed ${SEED.toString(16)})`, () => {
  it('never answers 5xx, never changes anything, never pollutes a prototype, and keeps serving', async () => {
    const before = await snapshot();
    const cases = [...pathCases(), ...bodyCases()];
    expect(cases.length).toBeGreaterThan(GENERATED);
    const bad: string[] = [];
    const seen = new Map<number, number>();
    for (const c of cases) {
      const res = await send(c);
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      const label = `${c.method} ${c.path.slice(0, 80)} [${JSON.stringify(c.headers ?? {})}] ${String(c.body ?? '').slice(0, 60)}`;
      if (res.status >= 500) bad.push(`${res.status} ${label}: ${res.body.slice(0, 200)}`);
      else if (c.method !== 'GET' && c.method !== 'OPTIONS' && res.status < 400) bad.push(`${res.status} accepted: ${label}`);
      // the console and the silence-link pages answer HTML: their status is what counts
      else if (res.status >= 400 && !/"code":"[a-z_]+"/.test(res.body) && !c.path.startsWith('/console') && !c.path.startsWith('/silence/')) {
        bad.push(`${res.status} without an error code: ${label}: ${res.body.slice(0, 120)}`);
      }
    }
    expect(bad).toEqual([]);
    // the cases reached the checks they aim at, not just the door
    for (const status of [400, 401, 403, 404, 413, 415]) expect(seen.get(status), `answers with ${status}`).toBeGreaterThan(5);
    expect(seen.get(400)).toBeGreaterThan(GENERATED / 2);
    expect(await snapshot()).toBe(before);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();

    // still serving: health, a real publish, a real delivery
    expect((await h.api('GET', '/healthz', undefined, { token: null })).status).toBe(200);
    expect((await h.api('POST', '/v1/topics/ops/publish', 'still here', { token: ciToken })).status).toBe(202);
    expect((await h.api('GET', `/v1/subscriptions/${subId}`)).status).toBe(200);
  });
});

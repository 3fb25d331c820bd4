/**
 * Publishing from curl like ntfy: a text/plain body takes its subject, level and mentions from
 * Title/X-Title, Level/X-Level, X-Mention headers or ?title=&level=&mention=.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let h: TestHerald;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald();
  expect((await h.api('POST', '/v1/topics', { name: 'backup' })).status).toBe(201);
  expect((await h.api('POST', '/v1/topics/backup/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/b`, secret: 'k'.repeat(16) })).status).toBe(201);
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

/** As curl sends it: -d makes it form-encoded unless a type is given; Herald reads any non-JSON body as text. */
const curl = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${h.url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-www-form-urlencoded', ...headers } });

const deliveredWith = (text: string) => waitFor(`"${text}" delivered`, () => rx.hits.find((x) => x.json?.message === text));

it("curl -H 'Title: Backup' -H 'Level: error' -d 'failed on db-1' does what it says", async () => {
  const res = await curl('/v1/topics/backup/publish', 'failed on db-1', { Title: 'Backup', Level: 'error', 'X-Mention': '13800001111, ou_abc, all' });
  expect(res.status).toBe(202);
  const { messageId } = (await res.json()) as { messageId: string };
  const hit = await deliveredWith('failed on db-1');
  expect(hit.json).toMatchObject({ subject: 'Backup', level: 'error' });
  const rec = await h.api('GET', `/v1/messages/${messageId}`);
  expect(rec.body).toMatchObject({ subject: 'Backup', level: 'error', text: 'failed on db-1', source: 'text' });
});

it('X-Title and X-Level, UTF-8 and RFC 2047 titles, and the query parameters work too', async () => {
  const raw = Buffer.from('备份失败', 'utf8').toString('latin1');
  expect((await curl('/v1/topics/backup/publish', 'one', { 'X-Title': raw, 'X-Level': 'WARNING' })).status).toBe(202);
  expect((await deliveredWith('one')).json).toMatchObject({ subject: '备份失败', level: 'warning' });
  const encoded = `=?UTF-8?B?${Buffer.from('数据库', 'utf8').toString('base64')}?=`;
  expect((await curl('/v1/topics/backup/publish', 'two', { Title: encoded })).status).toBe(202);
  expect((await deliveredWith('two')).json).toMatchObject({ subject: '数据库', level: 'info' });
  expect((await curl(`/v1/topics/backup/publish?title=${encodeURIComponent('From query')}&level=success`, 'three', {})).status).toBe(202);
  expect((await deliveredWith('three')).json).toMatchObject({ subject: 'From query', level: 'success' });
});

it('a wrong level or mention is a clear 400 and publishes nothing', async () => {
  const before = (await h.api('GET', '/v1/topics/backup/messages')).body.messages.length;
  const bad = await curl('/v1/topics/backup/publish', 'nope', { Level: 'loud' });
  expect(bad.status).toBe(400);
  const body = (await bad.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('invalid_request');
  expect(body.error.message).toContain('Level must be one of');
  expect((await curl('/v1/topics/backup/publish', 'nope', { 'X-Mention': '<script>' })).status).toBe(400);
  expect((await h.api('GET', '/v1/topics/backup/messages')).body.messages.length).toBe(before);
});

it('headers do not change a JSON body (its own fields say it all)', async () => {
  const res = await curl('/v1/topics/backup/publish', JSON.stringify({ message: 'json one', subject: 'Own' }), { 'content-type': 'application/json', Title: 'Ignored' });
  expect(res.status).toBe(202);
  expect((await deliveredWith('json one')).json.subject).toBe('Own');
});

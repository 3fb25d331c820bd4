/** The receiver snippet in docs/security.md verifies a real signed delivery from Herald, and refuses forgeries. */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load.js';
import { startTestHerald, type TestHerald, tempDir, waitFor } from '../helpers/herald.js';

const SECRET = 'doc-snippet-secret-93b1';

let h: TestHerald;
type Verify = (secret: string, raw: string, ts: string | undefined, sig: string | undefined, now?: number) => boolean;
type MakeReceiver = (secret: string, onMessage: (msg: unknown, delivery: string) => void) => import('node:http').Server;
let doc: { verifyHerald: Verify; receiver: MakeReceiver };
let server: import('node:http').Server;
const accepted: Array<{ msg: any; delivery: string }> = [];

beforeAll(async () => {
  const md = readFileSync(join(projectRoot(), 'docs/security.md'), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(md)?.[1];
  expect(code).toContain('verifyHerald');
  const file = join(tempDir('herald-doc-'), 'snippet.mjs');
  writeFileSync(file, code!);
  doc = await import(file);
  server = doc.receiver(SECRET, (msg: any, delivery: string) => accepted.push({ msg, delivery }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  h = await startTestHerald();
});
afterAll(async () => {
  await h.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('docs/security.md receiver snippet', () => {
  it('accepts a delivery Herald signed', async () => {
    const port = (server.address() as { port: number }).port;
    await h.api('POST', '/v1/topics', { name: 'ops' });
    expect((await h.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint: `http://127.0.0.1:${port}/hook`, secret: SECRET })).status).toBe(201);
    const pub = await h.api('POST', '/v1/topics/ops/publish', 'signed and verified');
    const got = await waitFor('the verified delivery', () => accepted[0]);
    expect(got.msg).toMatchObject({ topic: 'ops', message: 'signed and verified', messageId: pub.body.messageId });
    expect(got.delivery).toMatch(/^[a-z0-9]+\.\d{5}$/);
  });

  it('refuses a wrong secret, a changed body, a stale timestamp and a missing signature', () => {
    const now = 1_700_000_000;
    const body = '{"message":"x"}';
    const ts = String(now);
    const sig = (secret: string, t: string, b: string) => `sha256=${createHmac('sha256', secret).update(`${t}.${b}`).digest('hex')}`;
    expect(doc.verifyHerald(SECRET, body, ts, sig(SECRET, ts, body), now)).toBe(true);
    expect(doc.verifyHerald(SECRET, body, ts, sig('other', ts, body), now)).toBe(false);
    expect(doc.verifyHerald(SECRET, '{"message":"y"}', ts, sig(SECRET, ts, body), now)).toBe(false);
    expect(doc.verifyHerald(SECRET, body, ts, sig(SECRET, ts, body), now + 301)).toBe(false);
    expect(doc.verifyHerald(SECRET, body, ts, undefined, now)).toBe(false);
    expect(doc.verifyHerald(SECRET, body, undefined, sig(SECRET, ts, body), now)).toBe(false);
  });
});

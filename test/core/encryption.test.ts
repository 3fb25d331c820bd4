/** Robot tokens and secrets never sit in clear under the data dir, and a deleted subscription leaves nothing. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startTestHerald();
});
afterAll(() => h.stop());

/** every byte of every file under dir, as latin1 so any byte sequence survives */
function dump(dir: string): string {
  let all = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    all += statSync(p).isDirectory() ? dump(p) : readFileSync(p).toString('latin1');
  }
  return all;
}

it('keeps robot tokens and secrets encrypted at rest, and gone after delete', async () => {
  const token = 'f00dfeed'.repeat(8);
  const secret = 'SEC0123456789abcdef0123456789abcdef';
  const key = '693a91f6-7d1c-4a3b-9d2e-c0ffee000042';
  await h.api('POST', '/v1/topics', { name: 'enc' });
  const a = await h.api('POST', '/v1/topics/enc/subscriptions', {
    protocol: 'dingtalk',
    endpoint: `https://oapi.dingtalk.com/robot/send?access_token=${token}`,
    secret,
  });
  const b = await h.api('POST', '/v1/topics/enc/subscriptions', { protocol: 'wecom', endpoint: key });
  expect(a.status).toBe(201);
  expect(b.status).toBe(201);
  await h.running.herald.store.purge(); // fold the WAL into the database file too

  const before = dump(h.dataDir);
  expect(before.length).toBeGreaterThan(1000);
  expect(before).toContain('sub:'); // we are reading the real store
  for (const s of [token, secret, key]) expect(before).not.toContain(s);

  // The key file is private to its owner.
  expect(statSync(join(h.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

  const sealedA = (await h.running.herald.store.get<{ endpoint: string }>(`sub:${a.body.id}`))!.endpoint;
  expect(sealedA.startsWith('v1:')).toBe(true);
  expect(before).toContain(sealedA);

  await h.api('DELETE', `/v1/subscriptions/${a.body.id}`);
  await h.api('DELETE', `/v1/subscriptions/${b.body.id}`);
  const after = dump(h.dataDir);
  for (const s of [token, secret, key]) expect(after).not.toContain(s);
  // not even the ciphertext of the deleted subscription remains
  expect(after).not.toContain(sealedA);
  expect(await h.running.herald.store.get(`sub:${a.body.id}`)).toBeUndefined();
});

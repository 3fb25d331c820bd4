/** A wrong method on a known path is 405 with Allow; an unknown path stays 404 with the catalog's body. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startTestHerald();
  await h.api('POST', '/v1/topics', { name: 'manners' });
});
afterAll(() => h.stop());

it.each([
  ['DELETE', '/v1/topics', 'GET, HEAD, POST'],
  ['PUT', '/v1/topics/manners/publish', 'POST'],
  ['GET', '/v1/templates/preview', 'POST'],
  ['POST', '/v1/topics/manners', 'DELETE, GET, HEAD, PATCH'],
  ['PATCH', '/healthz', 'GET, HEAD'],
])('%s %s → 405, Allow: %s', async (method, path, allow) => {
  const r = await h.api(method, path);
  expect(r.status).toBe(405);
  expect(r.headers.get('allow')).toBe(allow);
  expect(r.body.error.code).toBe('method_not_allowed');
  expect(r.body.error.message).toContain(`use ${allow}`);
});

it('an unknown path stays 404 with the error catalog body, whatever the method', async () => {
  for (const method of ['GET', 'POST', 'DELETE']) {
    const r = await h.api(method, '/v1/no-such-thing');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('GET /openapi.json') } });
    expect(r.headers.get('allow')).toBeNull();
  }
});

it('the right method still works, and a refused method changed nothing', async () => {
  expect((await h.api('DELETE', '/v1/topics')).status).toBe(405);
  expect((await h.api('GET', '/v1/topics/manners')).status).toBe(200);
});

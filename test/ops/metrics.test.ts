/** GET /metrics through real HTTP: what a publish, a delivery and a retry leave in the Prometheus text. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let h: TestHerald;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald({ config: { delivery: { backoffMs: 10, maxBackoffMs: 20 } } });
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

/** The value of one sample line, e.g. `herald_publishes_total{topic="ops",source="json"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('counts publishes by topic and format, deliveries, retries and latency, without secrets', async () => {
  expect((await h.api('POST', '/v1/topics', { name: 'ops' })).status).toBe(201);
  const sub = await h.api('POST', '/v1/topics/ops/subscriptions', {
    protocol: 'webhook',
    endpoint: `${rx.url}/hook/private-path-123`,
    secret: 'webhook-signing-secret-xyz',
  });
  expect(sub.status).toBe(201);

  rx.failNext(1, 503); // the first attempt is retried
  const first = await h.api('POST', '/v1/topics/ops/publish', { message: 'disk full' });
  expect(first.status).toBe(202);
  expect((await h.api('POST', '/v1/topics/ops/publish', 'backup done')).status).toBe(202);
  await waitFor('both deliveries', () => rx.hits.length === 2);

  const text = await waitFor('delivered counted', async () => {
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const t = await res.text();
    return sample(t, 'herald_deliveries_total{platform="webhook",outcome="delivered"}') === 2 ? t : undefined;
  });

  expect(sample(text, 'herald_publishes_total{topic="ops",source="json"}')).toBe(1);
  expect(sample(text, 'herald_publishes_total{topic="ops",source="text"}')).toBe(1);
  expect(sample(text, 'herald_publish_deliveries_total{topic="ops"}')).toBe(2);
  expect(sample(text, 'herald_delivery_retries_total{platform="webhook",reason="transient"}')).toBe(1);
  expect(sample(text, 'herald_delivery_attempts_total{platform="webhook",outcome="ok"}')).toBe(2);
  expect(sample(text, 'herald_delivery_latency_seconds_count{platform="webhook"}')).toBe(2);
  expect(sample(text, 'herald_delivery_latency_seconds_bucket{le="+Inf",platform="webhook"}')).toBe(2);
  expect(sample(text, 'herald_queue_depth')).toBe(0);
  expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(text).toContain('# TYPE herald_limiter_wait_seconds histogram');

  for (const secret of [ADMIN, 'webhook-signing-secret-xyz', 'private-path-123', rx.url, '127.0.0.1']) {
    expect(text).not.toContain(secret);
  }
});

it('records the wait a robot window imposes', async () => {
  // 2 per 300 ms per robot: the third delivery waits behind the window
  const paced = await startTestHerald({ config: { platforms: { webhook: { rateLimits: [{ max: 2, perMs: 300 }] } } } });
  try {
    await paced.api('POST', '/v1/topics', { name: 'paced' });
    await paced.api('POST', '/v1/topics/paced/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/paced` });
    const before = rx.hits.length;
    for (let i = 0; i < 3; i++) expect((await paced.api('POST', '/v1/topics/paced/publish', `m${i}`)).status).toBe(202);
    await waitFor('three paced deliveries', () => rx.hits.length === before + 3);
    const text = await (await fetch(`${paced.url}/metrics`)).text();
    expect(sample(text, 'herald_limiter_wait_seconds_count{platform="webhook"}')).toBeGreaterThanOrEqual(1);
  } finally {
    await paced.stop();
  }
});

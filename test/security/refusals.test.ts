/**
 * Small holes from the attack run, each closed: Handlebars' `{{log}}` (it wrote to stdout outside
 * the log's redaction), the admin API's 413 message (it named quotas.messageBytes for a 1 MB limit),
 * and the access log's paths under /v1 (they lost their prefix).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../../src/templates/engine.js';
import { startTestHerald, type TestHerald } from '../helpers/herald.js';
import { keptLog } from '../helpers/log.js';

const { log, lines } = keptLog('http');
let h: TestHerald;

beforeAll(async () => {
  h = await startTestHerald({ log });
});
afterAll(() => h.stop());

describe('templates', () => {
  it('refuses {{log}} when a template is saved, and never prints it', async () => {
    const printed: unknown[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      for (const content of ['{{log "secret-value"}}', '{{log message level="error"}}', '{{#if x}}{{log x}}{{/if}}']) {
        const r = await h.api('POST', '/v1/templates', { name: 'logs', protocol: 'default', content });
        expect(r.status, content).toBe(400);
        expect(r.body.error.code).toBe('invalid_template');
        expect(r.body.error.message).toMatch(/unknown helper "log"/);
        // and the engine itself no longer has it
        expect(() => render(content, { x: 1, message: 'secret-value' })).toThrow(/log/);
      }
      expect((await h.api('GET', '/v1/templates')).body.templates).toEqual([]);
    } finally {
      console.log = original;
    }
    expect(printed).toEqual([]);
  });
});

describe('admin API body limit', () => {
  it('answers 413 naming the 1 MB limit, not quotas.messageBytes', async () => {
    const r = await h.api('POST', '/v1/topics', JSON.stringify({ name: 'big', displayName: 'x'.repeat(1_100_000) }), {
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toEqual({ code: 'payload_too_large', message: 'The request body is larger than 1 MB, the most this API takes.' });
  });

  it('the publish body is still measured against quotas.messageBytes', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'limits' })).status).toBe(201);
    const r = await h.api('POST', '/v1/topics/limits/publish', 'x'.repeat(h.running.herald.config.quotas.messageBytes + 1));
    expect(r.status).toBe(413);
    expect(r.body.error.message).toBe(`The body is larger than quotas.messageBytes (${h.running.herald.config.quotas.messageBytes} bytes).`);
  });
});

describe('access log', () => {
  it('logs the whole path, /v1 prefix included, and never the query', async () => {
    lines.length = 0;
    await h.api('GET', '/v1/topics');
    await h.api('POST', '/v1/topics/limits/publish?token=hrld_in_the_query', 'hi', { token: null });
    await h.api('GET', '/v1/no-such-thing');
    await h.api('GET', '/healthz');
    const messages = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'http').map((l) => l.message as string);
    expect(messages).toEqual(['GET /v1/topics 200', 'POST /v1/topics/limits/publish 401', 'GET /v1/no-such-thing 404', 'GET /healthz 200']);
    expect(lines.join('\n')).not.toContain('hrld_in_the_query');
  });
});

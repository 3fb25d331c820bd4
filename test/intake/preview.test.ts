/**
 * The template preview tells the truth: it builds the context from a sample or a pasted payload
 * through the same intakes as a publish, so the README's `alertmanager` template previews exactly as
 * it is delivered. Template mistakes are refused at save time with line, column and reason; array
 * tags reach templates as arrays.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const ROOT = join(import.meta.dirname, '..', '..');
const fixture = (name: string) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures', name), 'utf8'));

/** The `alertmanager` template the README tells people to store, read from the README itself. */
function readmeAlertTemplate(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /"name": "alertmanager", "protocol": "default", "content": ("(?:[^"\\]|\\.)*")/.exec(readme);
  if (!m) throw new Error('the README no longer shows an alertmanager template');
  return JSON.parse(m[1]!);
}

let h: TestHerald;
let rx: Receiver;
let seq = 0;
beforeAll(async () => {
  rx = await startReceiver();
  h = await startTestHerald();
});
afterAll(async () => {
  await h.stop();
  await rx.close();
});

async function topicWithHook(): Promise<{ topic: string; path: string }> {
  const topic = `pv-${++seq}`;
  const path = `/hook-${seq}`;
  expect((await h.api('POST', '/v1/topics', { name: topic })).status).toBe(201);
  expect((await h.api('POST', `/v1/topics/${topic}/subscriptions`, { protocol: 'webhook', endpoint: `${rx.url}${path}`, secret: 'k'.repeat(16) })).status).toBe(201);
  return { topic, path };
}
const delivered = (path: string) => waitFor(`a delivery at ${path}`, () => rx.hits.find((x) => x.path === path));

describe('preview as it delivers', () => {
  it("the README's alertmanager template previews exactly as a real delivery renders it", async () => {
    const content = readmeAlertTemplate();
    expect((await h.api('POST', '/v1/templates', { name: 'alertmanager', protocol: 'default', content })).status).toBe(201);
    const payload = fixture('alertmanager-firing.json');
    const { topic, path } = await topicWithHook();

    const preview = await h.api('POST', '/v1/templates/preview', { content, protocol: 'webhook', topic, payload });
    expect(preview.status).toBe(200);
    expect(preview.body.rendered).toMatch(/^FIRING · 1 firing, 1 resolved\n/);
    expect(preview.body.rendered).toContain('HighErrorRate on api-1:8080: 5xx above 5% on api');
    expect(preview.body.subject).toBe('[FIRING:1] HighErrorRate');

    expect((await h.api('POST', `/v1/topics/${topic}/publish`, payload)).status).toBe(202);
    const hit = await delivered(path);
    expect(hit.json.message).toBe(preview.body.rendered);
    expect(hit.json.subject).toBe(preview.body.subject);
    expect(preview.body.payloads[0].message).toBe(hit.json.message);
    await h.api('DELETE', '/v1/templates/alertmanager/default');
  });

  it('offers sample Alertmanager and Grafana payloads with the real alert context', async () => {
    const am = await h.api('POST', '/v1/templates/preview', { content: '{{statusText}} {{counts}} {{#each alerts}}[{{alertname}} {{severity}}]{{/each}}', protocol: 'webhook', sample: 'alertmanager' });
    expect(am.status).toBe(200);
    expect(am.body.rendered).toBe('FIRING 1 firing [HighCPU critical]');
    expect(am.body.source).toBe('alertmanager');
    const gf = await h.api('POST', '/v1/templates/preview', { content: '{{counts}}: {{#each alerts}}{{alertname}}={{statusText}};{{/each}}', protocol: 'webhook', sample: 'grafana' });
    expect(gf.body.rendered).toBe('1 firing, 1 resolved: High memory usage=FIRING;High CPU usage=RESOLVED;');
    expect(gf.body.source).toBe('grafana');
  });

  it('a pasted JSON publish body previews with its tags, arrays included', async () => {
    const r = await h.api('POST', '/v1/templates/preview', {
      content: '{{subject}} on {{host}}: {{#each volumes}}{{this}}{{#unless @last}}, {{/unless}}{{/each}} ({{join volumes "+"}})',
      protocol: 'webhook',
      sample: 'tags',
    });
    expect(r.status).toBe(200);
    expect(r.body.rendered).toBe('Disk almost full on db-2: /data, /var (/data+/var)');
    const text = await h.api('POST', '/v1/templates/preview', { content: 'said: {{message}}', protocol: 'webhook', payload: 'plain words' });
    expect(text.body.rendered).toBe('said: plain words');
  });
});

describe('array tags', () => {
  it('reach a stored template as arrays and the attributes comma-joined', async () => {
    const content = 'hosts: {{#each hosts}}<{{this}}>{{/each}} n={{hosts.length}}';
    expect((await h.api('POST', '/v1/templates', { name: 'hosts', protocol: 'default', content })).status).toBe(201);
    const { topic, path } = await topicWithHook();
    const pub = await h.api('POST', `/v1/topics/${topic}/publish`, { template: 'hosts', tags: { hosts: ['db-1', 'db-2', 3] } });
    expect(pub.status).toBe(202);
    expect((await delivered(path)).json.message).toBe('hosts: <db-1><db-2><3> n=3');
    const rec = await h.api('GET', `/v1/messages/${pub.body.messageId}`);
    expect(rec.body.attributes.hosts).toBe('db-1,db-2,3');
    const bad = await h.api('POST', `/v1/topics/${topic}/publish`, { template: 'hosts', tags: { hosts: [{ nested: true }] } });
    expect(bad.status).toBe(400);
  });
});

describe('mistakes are refused when the template is saved', () => {
  const refused = async (content: string) => {
    const r = await h.api('POST', '/v1/templates', { name: 'broken', protocol: 'default', content });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_template');
    expect((await h.api('GET', '/v1/templates/broken/default')).status).toBe(404);
    return r.body.error.message as string;
  };

  it('a syntax error names line and column with the reason', async () => {
    expect(await refused('Hello\n{{#if firing}}x{{/iff}}')).toBe('The template has a mistake at line 2, column 16: {{/iff}} does not close {{#if}} (opened at line 2, column 4).');
    expect(await refused('ok\nstill ok\n  {{ alertname ')).toMatch(/^The template has a mistake at line 3, column \d+: found the end of the template where/);
  });

  it('an unknown helper or a helper in the wrong kind of tag', async () => {
    expect(await refused('x\n {{shout alertname}}')).toMatch(/^The template has a mistake at line 2, column 2: unknown helper "shout"; the helpers are .*upper/);
    expect(await refused('{{if firing}}')).toContain('"if" is a block helper: write {{#if …}}…{{/if}}');
    expect(await refused('{{#upper alertname}}x{{/upper}}')).toContain('"upper" prints a value and takes no block');
    expect(await refused('{{#each}}x{{/each}}')).toContain('{{#each}} takes exactly one argument, got 0');
    expect(await refused('{{> partial}}')).toContain('partials');
  });

  it('PUT refuses the same and keeps the old content; the preview names the mistake too', async () => {
    expect((await h.api('POST', '/v1/templates', { name: 'fine', protocol: 'default', content: '{{upper subject}}' })).status).toBe(201);
    const put = await h.api('PUT', '/v1/templates/fine/default', { content: '{{nope subject}}' });
    expect(put.status).toBe(400);
    expect((await h.api('GET', '/v1/templates/fine/default')).body.content).toBe('{{upper subject}}');
    const pv = await h.api('POST', '/v1/templates/preview', { content: 'a\n{{#if x}}', protocol: 'webhook' });
    expect(pv.status).toBe(400);
    expect(pv.body.error.message).toMatch(/line 2, column \d+/);
  });
});

/**
 * The template budget: a render past templates.maxOutputBytes or templates.renderTimeoutMs stops
 * with a reason. In the engine itself, at a preview (422) while /healthz keeps answering, and for
 * a stored template used by an alert (its deliveries fail with the reason; nothing is sent).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render, TemplateBudgetError } from '../../src/templates/engine.js';
import { startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));

/** `depth` nested loops over the same list: list.length ** depth lines of output. */
const nested = (depth: number, line = '{{alertname}} on {{labels.instance}}: all of these are the same alert\n') =>
  `${'{{#each @root.alerts}}'.repeat(depth)}${line}${'{{/each}}'.repeat(depth)}`;
const alerts = (n: number) => Array.from({ length: n }, (_, i) => ({ alertname: `A${i}`, labels: { instance: `host-${i}` } }));

describe('the engine', () => {
  const roomy = { maxOutputBytes: 1e9, renderTimeoutMs: 60_000 };

  it('renders what fits exactly as Handlebars does', () => {
    const tpl = '{{#each a}}{{@index}}:{{this}}{{#if @last}}!{{/if}} {{else}}none{{/each}}|{{#b}}[{{.}}]{{/b}}|{{#with c}}{{d}}{{/with}}|{{#unless e}}no e{{/unless}}';
    expect(render(tpl, { a: [1, 2], b: ['x', 'y'], c: { d: 'D' } }, roomy)).toBe('0:1 1:2! |[x][y]|D|no e');
    expect(render('{{#each a}}x{{else}}none{{/each}}', { a: [] }, roomy)).toBe('none');
    expect(render(nested(2), { alerts: alerts(3) }, { maxOutputBytes: 1024, renderTimeoutMs: 1_000 }).split('\n')).toHaveLength(10);
  });

  it('stops at the output limit, inside the loops', () => {
    const err = catching(() => render(nested(6), { alerts: alerts(20) }, { maxOutputBytes: 100_000, renderTimeoutMs: 60_000 }));
    expect(err).toBeInstanceOf(TemplateBudgetError);
    expect((err as TemplateBudgetError).limit).toBe('maxOutputBytes');
    expect((err as Error).message).toContain('templates.maxOutputBytes (100000 bytes)');
    // a section over a list loops too (Handlebars hands it to each)
    const section = `${'{{#@root.alerts}}'.repeat(5)}{{alertname}}${'{{/@root.alerts}}'.repeat(5)}`;
    expect(catching(() => render(section, { alerts: alerts(20) }, { maxOutputBytes: 10_000, renderTimeoutMs: 60_000 }))).toBeInstanceOf(TemplateBudgetError);
    // output made without a loop is measured at the end, in UTF-8 bytes
    expect(catching(() => render('{{a}}{{a}}', { a: '数'.repeat(400) }, { maxOutputBytes: 2_000, renderTimeoutMs: 1_000 }))).toBeInstanceOf(TemplateBudgetError);
    expect(render('{{a}}', { a: '数'.repeat(400) }, { maxOutputBytes: 1_200, renderTimeoutMs: 1_000 })).toHaveLength(400);
  });

  it('stops at the time limit: loops that build little output, and recursion through a partial', () => {
    const quiet = `${'{{#each @root.alerts}}'.repeat(6)}{{#if false}}x{{/if}}${'{{/each}}'.repeat(6)}`;
    const err = catching(() => render(quiet, { alerts: alerts(30) }, { maxOutputBytes: 1e9, renderTimeoutMs: 200 }));
    expect(err).toBeInstanceOf(TemplateBudgetError);
    expect((err as TemplateBudgetError).limit).toBe('renderTimeoutMs');
    // each call makes two more while `with` finds a child: 2^40 calls
    let tree: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) tree = { child: tree };
    const recursive = '{{#*inline "p"}}{{#with child}}{{> p}}{{> p}}{{/with}}{{/inline}}{{> p}}';
    expect((catching(() => render(recursive, tree, { maxOutputBytes: 1e9, renderTimeoutMs: 200 })) as TemplateBudgetError).limit).toBe('renderTimeoutMs');
  });
});

describe('through HTTP', () => {
  let h: TestHerald;
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
    h = await startTestHerald();
  });
  afterAll(async () => {
    await h?.stop();
    await rx?.close();
  });

  it('a preview of an 800-byte template that would render gigabytes answers 422 with the reason, /healthz answering meanwhile', async () => {
    const content = nested(9);
    expect(content.length).toBeLessThan(900);
    await fetch(`${h.url}/metrics`); // the lag gauge restarts at each scrape
    let probing = true;
    let probes = 0;
    const probe = (async () => {
      while (probing) {
        expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
        probes++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const res = await h.api('POST', '/v1/templates/preview', { protocol: 'webhook', content, context: { alerts: alerts(10) } });
    probing = false;
    await probe;
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('template_budget_exceeded');
    expect(res.body.error.message).toMatch(/templates\.(maxOutputBytes|renderTimeoutMs)/);
    expect(probes).toBeGreaterThan(0);
    // a guard against freezing, not a speed figure: the budget (1 s by default) ends it well before 3 s
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(Number(/^herald_event_loop_lag_seconds\{quantile="1"\} (\S+)/m.exec(metrics)?.[1])).toBeLessThan(3);
  });

  it('a stored template past the budget fails its deliveries with the reason; nothing is sent', async () => {
    expect((await h.api('POST', '/v1/topics', { name: 'budget' })).status).toBe(201);
    expect((await h.api('POST', '/v1/topics/budget/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/budget` })).status).toBe(201);
    const stored = await h.api('POST', '/v1/templates', { name: 'alertmanager', protocol: 'webhook', content: nested(24) });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    try {
      const res = await h.api('POST', '/v1/topics/budget/publish', fixture('alertmanager-firing'));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const failed = await waitFor('the failed delivery', async () => {
        const list = (await h.api('GET', '/v1/deliveries/failed')).body.deliveries as { messageId: string; lastError?: string; error?: string }[];
        return list.find((d) => d.messageId === res.body.messageId);
      });
      expect(JSON.stringify(failed)).toMatch(/Template \\"alertmanager\\" \(webhook\) failed: the template('s output passed templates\.maxOutputBytes| ran longer than templates\.renderTimeoutMs)/);
      const msg = await h.api('GET', `/v1/messages/${res.body.messageId}`);
      expect(JSON.stringify(msg.body)).toContain('failed');
      expect(rx.hits.filter((hit) => hit.path === '/budget')).toHaveLength(0);
    } finally {
      await h.api('DELETE', '/v1/templates/alertmanager/webhook');
    }
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected it to throw');
}

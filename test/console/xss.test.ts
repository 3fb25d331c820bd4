/**
 * XSS in every console view: markup and script-bearing links are put in every field a user or a
 * sender controls (topic display names, subscription remarks and keywords, template content,
 * message subjects, texts and attributes, alert annotations with `javascript:` and `data:` links,
 * audit details), then each view is opened in a real browser. Nothing may run, no element or
 * attribute may come from the data, and no link may point anywhere but where the console sends it.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, ensureConsoleBuilt } from './setup.js';

/** Each one, if it ever becomes markup, bumps window.__xss (or opens a dialog). */
const HOSTILE = [
  '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
  '"><svg onload="window.__xss=(window.__xss||0)+1">',
  "'><script>window.__xss=(window.__xss||0)+1</script>",
  '[click](javascript:window.__xss=1)',
  '![i](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)',
];
const ONE = HOSTILE.join(' ');

let h: TestHerald;
let rx: Receiver;
let browser: Browser;
const messageIds: string[] = [];

beforeAll(async () => {
  if (chromiumMissing) return;
  ensureConsoleBuilt();
  rx = await startReceiver();
  h = await startTestHerald({ config: { delivery: { maxAttempts: 1 } } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  expect((await h.api('POST', '/v1/topics', { name: 'xss', displayName: ONE.slice(0, 192) })).status).toBe(201);
  expect((await h.api('PATCH', '/v1/topics/xss', { displayName: HOSTILE[1] })).status).toBe(200);
  const sub = await h.api('POST', '/v1/topics/xss/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/hook`, remark: ONE.slice(0, 256), keyword: HOSTILE[0] });
  expect(sub.status).toBe(201);
  expect((await h.api('PATCH', `/v1/subscriptions/${sub.body.id}`, { filter: { level: ['critical'], team: [HOSTILE[2]!] } })).status).toBe(200);
  expect((await h.api('PATCH', `/v1/subscriptions/${sub.body.id}`, { filter: null })).status).toBe(200);
  expect((await h.api('POST', '/v1/templates', { name: 'xss', protocol: 'default', content: `${ONE} {{message}}` })).status).toBe(201);
  const publish = async (body: unknown) => {
    const r = await h.api('POST', '/v1/topics/xss/publish', body);
    expect(r.status).toBe(202);
    messageIds.push(r.body.messageId);
  };
  await publish({ subject: ONE, message: `${ONE}\n\n**bold** ${HOSTILE[3]}`, attributes: { team: HOSTILE[0] } });
  rx.failNext(1, 400); // a failed delivery for the failed view
  await publish({ subject: HOSTILE[0], message: HOSTILE[4] });
  await publish({
    version: '4',
    status: 'firing',
    receiver: 'herald',
    groupLabels: { alertname: HOSTILE[1] },
    commonLabels: { alertname: HOSTILE[1] },
    commonAnnotations: { summary: `see [the runbook](javascript:window.__xss=1) ${HOSTILE[0]}` },
    externalURL: 'javascript:window.__xss=1',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: HOSTILE[1], severity: 'critical' },
        annotations: { summary: HOSTILE[3], description: HOSTILE[4], runbook_url: 'javascript:window.__xss=1' },
        startsAt: new Date().toISOString(),
        generatorURL: 'javascript:window.__xss=1',
      },
    ],
  });
  await waitFor('deliveries settled', async () => {
    const failed = await h.api('GET', '/v1/deliveries?status=failed');
    return failed.body.deliveries.length >= 1;
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await rx?.close();
});

/** What the page holds that did not come from the console itself. */
const injected = (page: Page) =>
  page.evaluate(() => {
    const found: string[] = [];
    if ((window as unknown as { __xss?: number }).__xss) found.push(`script ran ${(window as unknown as { __xss: number }).__xss} times`);
    for (const el of Array.from(document.body.querySelectorAll('img[src="x"], svg[onload], script:not([src]), iframe, object, embed'))) found.push(el.outerHTML.slice(0, 80));
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) {
        if (/^on/i.test(a.name)) found.push(`${el.tagName} ${a.name}`);
        if ((a.name === 'href' || a.name === 'src' || a.name === 'action') && /^\s*(javascript|data|vbscript):/i.test(a.value)) found.push(`${el.tagName} ${a.name}=${a.value.slice(0, 40)}`);
      }
    }
    return found;
  });

describe.skipIf(chromiumMissing)('console views with hostile data', () => {
  it('show it as text and run none of it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${h.url}/console/`);
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    const views: [string, string | undefined][] = [
      ['topics', HOSTILE[1]],
      ['topics/xss', HOSTILE[1]],
      ['templates', undefined],
      ['templates/xss/default', undefined],
      ['failed', undefined],
      ['tokens', undefined],
      ['silences', undefined],
      ['audit', undefined],
      ['quotas', undefined],
      ['publish/xss', undefined],
      ...messageIds.map((id): [string, string | undefined] => [`messages/${id}`, undefined]),
    ];
    const problems: string[] = [];
    for (const [route, shown] of views) {
      await page.evaluate((r) => {
        location.hash = `#/${r}`;
      }, route);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      for (const p of await injected(page)) problems.push(`#/${route}: ${p}`);
      // the data did arrive, as text (the view is not just empty)
      if (shown && (await page.getByText(shown, { exact: false }).count()) === 0) problems.push(`#/${route}: does not show ${shown}`);
    }
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
    await context.close();
  }, 60_000);
});

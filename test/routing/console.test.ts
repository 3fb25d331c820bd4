/**
 * Routing in the web console (headless Chromium against a real Herald): edit a subscription's filter
 * and quiet hours, see a bad value refused, mute and unmute it, and ask which subscriptions a message
 * would reach.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, ensureConsoleBuilt } from '../console/setup.js';

const UI_WAIT_MS = 20_000;
let h: TestHerald;
let browser: Browser;
let hook: Receiver;

beforeAll(async () => {
  if (chromiumMissing) return;
  ensureConsoleBuilt();
  hook = await startReceiver();
  h = await startTestHerald();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await hook?.close();
});

describe.skipIf(chromiumMissing)('console: routing', () => {
  it('edits the filter and quiet hours, mutes and unmutes, and shows who a message would reach', async () => {
    await h.api('POST', '/v1/topics', { name: 'oncall' });
    const crit = (await h.api('POST', '/v1/topics/oncall/subscriptions', { protocol: 'webhook', endpoint: `${hook.url}/crit`, remark: 'critical only' })).body;
    const db = (await h.api('POST', '/v1/topics/oncall/subscriptions', { protocol: 'webhook', endpoint: `${hook.url}/db`, remark: 'DBA' })).body;

    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.url}/console/`);
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.goto(`${h.url}/console/#/topics/oncall`);

    // edit: a filter and quiet hours
    await page.getByRole('button', { name: `Edit subscription ${crit.id}` }).click();
    const form = page.getByRole('form', { name: `Changes to subscription ${crit.id}` });
    await form.getByLabel('Filter').fill('level=critical');
    await form.getByLabel('Quiet hours from').fill('22:00');
    await form.getByLabel('Quiet hours to').fill('08:00');
    await form.getByLabel('Time zone').fill('Asia/Shanghai');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Subscription saved.').waitFor({ timeout: UI_WAIT_MS });
    await waitFor('the filter saved', async () => (await h.api('GET', `/v1/subscriptions/${crit.id}`)).body.filter?.level?.[0] === 'critical');
    expect((await h.api('GET', `/v1/subscriptions/${crit.id}`)).body.quietHours).toEqual({ from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai' });
    await page.getByText('level=critical', { exact: true }).waitFor({ timeout: UI_WAIT_MS });

    // a bad value: the server's 400 names the field, nothing changes
    await page.getByRole('button', { name: `Edit subscription ${db.id}` }).click();
    const dbForm = page.getByRole('form', { name: `Changes to subscription ${db.id}` });
    await dbForm.getByLabel('Filter').fill('team-name=db');
    await dbForm.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/filter\.team-name|filter: attribute names/).first().waitFor({ timeout: UI_WAIT_MS });
    expect((await h.api('GET', `/v1/subscriptions/${db.id}`)).body.filter).toBeUndefined();
    await dbForm.getByLabel('Filter').fill('team=db');
    await dbForm.getByRole('button', { name: 'Save changes' }).click();
    await waitFor('the db filter saved', async () => (await h.api('GET', `/v1/subscriptions/${db.id}`)).body.filter?.team?.[0] === 'db');

    // mute, then unmute
    await page.getByRole('button', { name: `Mute Webhook subscription ${db.id}` }).click();
    await page.getByRole('button', { name: `Unmute Webhook subscription ${db.id}` }).waitFor({ timeout: UI_WAIT_MS });
    expect((await h.api('GET', `/v1/subscriptions/${db.id}`)).body.mutedUntil).toBeDefined();
    await page.getByRole('button', { name: `Unmute Webhook subscription ${db.id}` }).click();
    // exact: "Mute …" is also a part of the "Unmute …" button's name, which is there until the unmute is saved
    await page.getByRole('button', { name: `Mute Webhook subscription ${db.id}`, exact: true }).waitFor({ timeout: UI_WAIT_MS });
    expect((await h.api('GET', `/v1/subscriptions/${db.id}`)).body.mutedUntil).toBeUndefined();

    // who would a db warning reach? only the db subscription; nothing is sent
    await page.goto(`${h.url}/console/#/publish/oncall`);
    await page.getByLabel('Message', { exact: true }).fill('db slow');
    await page.getByLabel('Level', { exact: true }).selectOption('warning');
    await page.getByLabel('Attributes (optional)').fill('team=db');
    await page.getByRole('button', { name: 'Who would get it?' }).click();
    await page.getByText('It would reach 1 of 2 subscriptions.').waitFor({ timeout: UI_WAIT_MS });
    const reached = (await page.getByRole('list', { name: 'Reached', exact: true }).textContent()) ?? '';
    expect(reached).toContain(db.id);
    expect(reached).toContain('gets it now');
    expect(await page.getByRole('list', { name: 'Not reached', exact: true }).textContent()).toContain(crit.id);
    expect(hook.hits).toEqual([]);
    expect(errors).toEqual([]);
  });
});

/**
 * The web console in a real browser (headless Chromium through playwright-core) against a real Herald
 * and the fake DingTalk server: sign in, create a topic, subscribe a DingTalk robot, send it a test
 * message, publish, and watch the delivery record turn delivered. HERALD_SCREENSHOT=docs/console.png
 * refreshes the README's screenshot (otherwise it goes to a temporary file).
 */
import { adapterFactories } from '../../adapters/index.js';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDingtalkFake } from '../fakes/dingtalk-server.js';
import type { FakePlatform } from '../fakes/types.js';
import { startWecomFake } from '../fakes/wecom-server.js';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, ensureConsoleBuilt, ROOT } from './setup.js';

/** Waits for things that happen in the page (a record turning delivered) end after this. */
const UI_WAIT_MS = 20_000;

let h: TestHerald;
let ding: FakePlatform;
let wecom: FakePlatform;
let browser: Browser;

beforeAll(async () => {
  if (chromiumMissing) return;
  ensureConsoleBuilt();
  ding = await startDingtalkFake();
  wecom = await startWecomFake();
  h = await startTestHerald({ env: { HERALD_ALLOW_HOSTS: '127.0.0.1' } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await ding?.close();
  await wecom?.close();
});

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${h.url}/console/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

describe.skipIf(chromiumMissing)('web console', () => {
  it('takes an admin from sign-in to a delivered message', async () => {
    const robot = ding.addRobot({ secret: `SEC${'a1'.repeat(32)}`, keywords: ['告警'] });
    const token = new URL(robot.endpoint).searchParams.get('access_token')!;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await signIn(page, ADMIN);
    await page.getByRole('heading', { level: 1, name: 'Topics' }).waitFor();
    // the token is in sessionStorage only
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length, document.cookie])).toEqual([1, 0, '']);

    // the name is checked as it is typed
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('ops alerts');
    await page.getByText('"space" is not allowed').waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.fill('ops-alerts');
    expect(await name.getAttribute('aria-invalid')).toBeNull();
    await page.getByLabel('Display name').fill('Ops alerts');
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('link', { name: 'ops-alerts' }).click();
    await page.getByRole('heading', { level: 1, name: /Ops alerts/ }).waitFor();

    // a DingTalk subscription, with where-to-find-it help on each field
    await page.getByRole('radio', { name: 'DingTalk' }).check();
    await page.getByText('Security settings → Sign (加签)').waitFor();
    await page.getByLabel('Webhook URL').fill(robot.endpoint);
    await page.getByLabel('Signing secret').fill(robot.secret!);
    await page.getByLabel('Keyword').fill('告警');
    await page.getByRole('button', { name: 'Add subscription' }).click();
    const card = page.locator('li.sub').filter({ hasText: 'DingTalk' });
    await card.waitFor();
    const shown = await card.locator('code.endpoint').textContent();
    expect(shown).toContain('access_token=');
    expect(shown).not.toContain(token);
    expect(await page.content()).not.toContain(token);
    // the badge wears the colour the adapter declares (GET /v1/protocols)
    const hex = adapterFactories.find((f) => f.protocol === 'dingtalk')!.describe.color;
    const rgb = `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    expect(await card.locator('.platform').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(rgb);

    // the test message goes out once and the platform's answer is shown
    await card.getByRole('button', { name: /Send a test message/ }).click();
    await card.getByText('DingTalk accepted the test message.').waitFor({ timeout: UI_WAIT_MS });
    expect(ding.received(robot.endpoint)).toHaveLength(1);
    expect(ding.received(robot.endpoint)[0]!.text).toContain('Herald test message');

    // a WeCom group too: its form asks for the webhook URL (or key) only
    const wecomRobot = wecom.addRobot();
    await page.getByRole('button', { name: '+ Add a subscription' }).click();
    await page.getByRole('radio', { name: 'WeCom' }).check();
    await page.getByText('Group Robot (群机器人)').waitFor();
    expect(await page.locator('#add-subscription').getByLabel('Signing secret').count()).toBe(0);
    await page.getByLabel('Webhook URL or key').fill(wecomRobot.endpoint);
    await page.locator('#add-subscription').getByLabel('Remark').fill('On-call group');
    await page.getByRole('button', { name: 'Add subscription' }).click();
    const wecomCard = page.locator('li.sub').filter({ hasText: 'WeCom' });
    await wecomCard.waitFor();

    // publish, then follow the record until it is delivered
    await page.getByRole('link', { name: 'Publish to this topic' }).click();
    await page.getByRole('heading', { level: 1, name: 'Publish' }).waitFor();
    expect(await page.getByLabel('Topic').inputValue()).toBe('ops-alerts');
    await page.getByLabel('Subject').fill('Disk almost full on db-2');
    await page.getByLabel('Message').fill('/data is at **91%**: clean up or grow the volume.');
    await page.getByLabel('Level').selectOption('warning');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.locator('tr[data-status="delivered"]').nth(1).waitFor({ timeout: UI_WAIT_MS });
    await waitFor('the message at the robot', () => ding.received(robot.endpoint).length === 2);
    expect(wecom.received(wecomRobot.endpoint)).toHaveLength(1);
    expect(ding.received(robot.endpoint)[1]!.text).toContain('Disk almost full on db-2');

    // the topic page shows the same record; this is the screenshot for docs/console.md
    await page.getByRole('link', { name: 'Topics' }).click();
    await page.getByRole('link', { name: 'ops-alerts' }).click();
    await page.locator('article.msg tr[data-status="delivered"]').nth(1).waitFor({ timeout: UI_WAIT_MS });
    await wecomCard.getByRole('button', { name: /Send a test message/ }).click();
    await wecomCard.getByText('WeCom accepted the test message.').waitFor({ timeout: UI_WAIT_MS });
    expect(wecom.received(wecomRobot.endpoint)).toHaveLength(2);
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const shot = process.env.HERALD_SCREENSHOT ? join(ROOT, process.env.HERALD_SCREENSHOT) : join(tmpdir(), `herald-console-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });

    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('offers a publish-only token just the publish form and the records of what it sent', async () => {
    await h.api('POST', '/v1/topics', { name: 'backups' });
    const made = await h.api('POST', '/v1/tokens', { name: 'backup-script', scopes: ['publish:backups'] });
    expect(made.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await signIn(page, made.body.token);
    await page.getByRole('heading', { level: 1, name: 'Publish' }).waitFor();
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(nav).toEqual(['Publish']);
    // an admin page typed by hand leads back to the publish form
    await page.goto(`${h.url}/console/#/tokens`);
    await page.getByRole('heading', { level: 1, name: 'Publish' }).waitFor();
    expect(await page.getByLabel('Topic').locator('option').allTextContents()).toEqual(['backups']);
    await page.getByLabel('Message').fill('backup done');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByText('no subscriptions when it was published').waitFor({ timeout: UI_WAIT_MS });
    await context.close();
  });

  it('lists a failed delivery and replays it', async () => {
    const robot = ding.addRobot({ secret: `SEC${'b2'.repeat(32)}` });
    await h.api('POST', '/v1/topics', { name: 'db' });
    const sub = await h.api('POST', '/v1/topics/db/subscriptions', { protocol: 'dingtalk', endpoint: robot.endpoint, secret: 'SECwrong' });
    expect(sub.status).toBe(201);
    const pub = await h.api('POST', '/v1/topics/db/publish', { message: 'replica lag' });
    await waitFor('the delivery to fail', async () => (await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0].status === 'failed');

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Failed' }).click();
    await page.getByRole('heading', { level: 1, name: 'Failed deliveries' }).waitFor();
    await page.getByText('sign').first().waitFor();
    await page.getByRole('button', { name: /Replay delivery/ }).click();
    await page.getByText('replayed', { exact: false }).first().waitFor();
    const after = await h.api('GET', `/v1/messages/${pub.body.messageId}`);
    expect(after.body.deliveries[0].attempts).toBeLessThanOrEqual(1);

    // once it failed again, all failed deliveries go back in one click, after a confirmation
    await waitFor('the replayed delivery to fail again', async () => (await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0].status === 'failed');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: 'Replay all 1' }).click();
    await page.getByRole('dialog', { name: 'Replay 1 failed deliveries?' }).getByRole('button', { name: 'Replay 1' }).click();
    await page.getByText('1 deliveries replayed').waitFor();
    const again = await h.api('GET', `/v1/messages/${pub.body.messageId}`);
    expect(again.body.deliveries[0].replays).toBe(2);
    await context.close();
  });

  it('pages a topic\'s messages: older ones come with "Older messages", without repeats', async () => {
    await h.api('POST', '/v1/topics', { name: 'long-history' });
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await h.api('POST', '/v1/topics/long-history/publish', { message: `entry ${i}` })).body.messageId);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.goto(`${h.url}/console/#/topics/long-history`);
    await page.getByRole('heading', { level: 2, name: 'Recent messages' }).waitFor();
    await page.getByText('entry 22', { exact: true }).waitFor();
    expect(await page.getByText('entry 2', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Older messages' }).click();
    await page.getByText('entry 0', { exact: true }).waitFor();
    for (const n of [0, 1, 2, 3, 21, 22]) expect(await page.getByText(`entry ${n}`, { exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Older messages' }).isHidden()).toBe(true);
    await context.close();
  });

  it('shows a message in full: its text, each delivery with its attempts, times and the platform answers', async () => {
    const robot = ding.addRobot({ secret: `SEC${'c3'.repeat(32)}` });
    await h.api('POST', '/v1/topics', { name: 'detail' });
    await h.api('POST', '/v1/topics/detail/subscriptions', { protocol: 'dingtalk', endpoint: robot.endpoint, secret: 'SECwrong' });
    const pub = await h.api('POST', '/v1/topics/detail/publish', 'nightly backup failed on db-1\nsee /var/log/backup.log');
    await waitFor('the delivery to fail', async () => (await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0].status === 'failed');

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.goto(`${h.url}/console/#/topics/detail`);
    // the records can be searched by text and by status
    await page.getByLabel('Search messages').fill('no such words');
    await page.getByText('No message matches.').waitFor();
    await page.getByLabel('Search messages').fill('NIGHTLY backup');
    await page.getByLabel('Delivery status').selectOption('failed');
    // a plain-text publish is named by its first line, not "(no subject)"
    await page.getByRole('link', { name: 'nightly backup failed on db-1' }).click();
    await page.getByRole('heading', { level: 1, name: 'nightly backup failed on db-1' }).waitFor();
    expect(await page.getByLabel('Message text').textContent()).toBe('nightly backup failed on db-1\nsee /var/log/backup.log');
    const attempt = page.locator('table.attempts tbody tr');
    expect(await attempt.count()).toBe(1);
    expect(await attempt.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await attempt.textContent()).toContain('310000');
    await page.getByRole('button', { name: /Replay delivery/ }).click();
    await page.locator('section.delivery[data-status="failed"], section.delivery[data-status="pending"]').first().waitFor();
    await context.close();
  });

  it('previews a template for every platform as it is typed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.goto(`${h.url}/console/#/templates/new`);
    await page.getByRole('heading', { level: 1, name: 'New template' }).waitFor();
    await page.getByLabel('Content (Handlebars)').fill('Host {{host}} at {{usage}}% ({{upper env}})');
    const previews = page.locator('section.preview');
    await previews.filter({ hasText: 'Host db-2 at 91% (PROD)' }).nth(3).waitFor({ timeout: UI_WAIT_MS });
    expect(await previews.locator('h3').allTextContents()).toEqual(adapterFactories.map((f) => f.describe.displayName));
    await page.getByLabel('Preview with').selectOption('alertmanager');
    await page.getByRole('button', { name: 'Use the sample’s example' }).click();
    await previews.filter({ hasText: 'FIRING · 1 firing' }).filter({ hasText: '**HighCPU** on web-1:9100: CPU above 90%' }).first().waitFor({ timeout: UI_WAIT_MS });
    await page.getByLabel('Name', { exact: true }).fill('cpu');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('heading', { level: 1, name: 'Template cpu' }).waitFor();
    expect((await h.api('GET', '/v1/templates/cpu/default')).status).toBe(200);
    await context.close();
  });

  it('deletes a topic from the keyboard, with a confirmation that Escape cancels', async () => {
    await h.api('POST', '/v1/topics', { name: 'scratch' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ADMIN);
    const del = page.getByRole('button', { name: 'Delete topic scratch' });
    await del.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete topic "scratch"?' });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Delete topic scratch');
    expect((await h.api('GET', '/v1/topics/scratch')).status).toBe(200);
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Topic "scratch" deleted.').waitFor();
    expect((await h.api('GET', '/v1/topics/scratch')).status).toBe(404);
    await context.close();
  });

  it('shows each quota with its use', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Quotas' }).click();
    await page.getByRole('heading', { level: 1, name: 'Quotas' }).waitFor();
    const topics = (await h.api('GET', '/v1/topics')).body.topics.length;
    const row = page.getByRole('row', { name: /^Topics quotas\.topics/ });
    expect(await row.getByRole('meter').getAttribute('value')).toBe(String(topics));
    expect(await row.textContent()).toContain('3,000 topics');
    expect(await page.getByRole('row', { name: /Message size/ }).textContent()).toContain('262,144 bytes per publish');
    await context.close();
  });
});

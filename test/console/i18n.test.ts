/**
 * The console in both languages, in a real browser: it follows the browser's language (zh-CN →
 * Chinese, otherwise English) and the switch in the top bar changes it and is remembered.
 * HERALD_SCREENSHOT_ZH=docs/console-zh.png keeps a screenshot of the Chinese console.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { en } from '../../console/src/i18n/en.js';
import { zhCN } from '../../console/src/i18n/zh-CN.js';
import { ADMIN, startTestHerald, type TestHerald, waitFor } from '../helpers/herald.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, ensureConsoleBuilt, ROOT } from './setup.js';

let h: TestHerald;
let rx: Receiver;
let browser: Browser;
beforeAll(async () => {
  if (chromiumMissing) return;
  ensureConsoleBuilt();
  rx = await startReceiver();
  h = await startTestHerald();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  await h.api('POST', '/v1/topics', { name: 'ops', displayName: '运维告警' });
  await h.api('POST', '/v1/topics/ops/subscriptions', { protocol: 'webhook', endpoint: `${rx.url}/ops`, secret: 'k'.repeat(16) });
  const pub = await h.api('POST', '/v1/topics/ops/publish', '数据库备份完成');
  await waitFor('the delivery', async () => (await h.api('GET', `/v1/messages/${pub.body.messageId}`)).body.deliveries[0].status === 'delivered');
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await rx?.close();
});

it('has a Chinese string for every English one', () => {
  expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  for (const [key, text] of Object.entries(zhCN)) {
    expect(text, key).not.toBe('');
    // placeholders survive translation
    expect([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(), key).toEqual([...en[key as keyof typeof en].matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
  }
});

it.skipIf(chromiumMissing)('follows a Chinese browser, and switches to English on request', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${h.url}/console/`);
  await page.getByRole('heading', { level: 1, name: '登录 Herald' }).waitFor();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  await page.getByLabel('API 令牌').fill(ADMIN);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { level: 1, name: '主题' }).waitFor();
  const nav = await page.getByRole('navigation', { name: '主导航' }).getByRole('link').allTextContents();
  expect(nav.slice(0, 3)).toEqual(['主题', '发布', '失败']);
  await page.getByRole('button', { name: '创建主题' }).waitFor();

  await page.goto(`${h.url}/console/#/topics/ops`);
  await page.getByRole('heading', { level: 2, name: '最近的消息' }).waitFor();
  await page.getByText('1 条已送达').waitFor();
  const shot = process.env.HERALD_SCREENSHOT_ZH ? join(ROOT, process.env.HERALD_SCREENSHOT_ZH) : join(tmpdir(), `herald-console-zh-${process.pid}.png`);
  await page.screenshot({ path: shot, fullPage: true });

  for (const [path, title] of [
    ['templates', '模板'],
    ['tokens', '令牌'],
    ['quotas', '配额'],
    ['audit', '审计记录'],
    ['failed', '失败的投递'],
    ['silences', '静默'],
  ]) {
    await page.goto(`${h.url}/console/#/${path}`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }
  await page.goto(`${h.url}/console/#/topics/ops`);
  await page.getByRole('heading', { level: 2, name: '最近的消息' }).waitFor();
  await page.getByLabel('语言 / Language').selectOption('en');
  await page.getByRole('heading', { level: 2, name: 'Recent messages' }).waitFor();
  expect(await page.evaluate(() => [document.documentElement.lang, localStorage.getItem('herald.lang')])).toEqual(['en', 'en']);
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Recent messages' }).waitFor();
  await page.getByLabel('Language / Language').selectOption('zh-CN');
  await page.getByRole('heading', { level: 2, name: '最近的消息' }).waitFor();
  expect(errors).toEqual([]);
  await context.close();
});

it.skipIf(chromiumMissing)('an English browser gets English', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${h.url}/console/`);
  await page.getByRole('heading', { level: 1, name: 'Sign in to Herald' }).waitFor();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  await context.close();
});

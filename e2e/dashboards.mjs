// Browser checks of the progress pages (issue 5 parts 1–3) in headless Debian chromium,
// on the demo database with synthetic answers added: HQ's national dashboard and a drill
// down to a bureau; the bureau's supervision list, where it presses a bank, and its quality
// page; the bank sees the reminder on its home page and replies; the bureau sees the reply;
// a bureau's dashboard on a 360 px phone. Nothing may load from outside the platform.
// Screenshots go to SCREENSHOT_DIR.
//
//   YINQI_BIN=../target/debug/yinqi YINQI_DATABASE=sqlite:../target/e2e/e2e.db \
//   BASE_URL=http://127.0.0.1:18081 SCREENSHOT_DIR=../target/screenshots node dashboards.mjs

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:18081';
const out = process.env.SCREENSHOT_DIR ?? '../target/screenshots';
const password = process.env.DEMO_PASSWORD ?? 'yinqi-demo-2019';
const bin = process.env.YINQI_BIN ?? '../target/debug/yinqi';
const database = process.env.YINQI_DATABASE ?? 'sqlite:../target/e2e/e2e.db';
mkdirSync(out, { recursive: true });

// Answers for the demo's enterprises, counted into the rollups before the pages open (the
// server would count them within 30 s; the checks should not wait for it).
execFileSync(bin, ['--database', database, 'gen', 'answers', '--seed', '3'], { stdio: 'inherit' });
execFileSync(bin, ['--database', database, 'rollup', 'refresh'], { stdio: 'inherit' });

const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function visit(viewport, name, steps) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('request', (r) => check(r.url().startsWith(base), `${name}: request outside the platform: ${r.url()}`));
  page.on('pageerror', (e) => failures.push(`${name}: script error ${e.message}`));
  try {
    await steps(page);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
    await page.screenshot({ path: join(out, `dash-${name}-failure.png`), fullPage: true }).catch(() => {});
  }
  await context.close();
}

async function login(page, username) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
}

const number = (text) => Number((text ?? '').replace(/[^0-9]/g, ''));

await visit({ width: 1280, height: 900 }, 'hq', async (page) => {
  await login(page, 'hqadmin');
  await page.click('nav a[href="/dashboard"]');
  check((await page.textContent('h1')).includes('全国'), 'HQ dashboard: national heading');
  check((await page.textContent('p.fresh')).includes('数据更新于'), 'HQ dashboard: says how fresh it is');
  const cells = page.locator('table.funnel tr td:nth-child(2)');
  const listed = number(await cells.nth(0).textContent());
  const answered = number(await cells.nth(4).textContent());
  check(listed > 0 && answered > 0 && answered < listed, `HQ funnel: ${answered} answered of ${listed}`);
  check(await page.locator('svg.chart polyline').count() === 3, 'HQ dashboard: the daily chart has three lines');
  await page.screenshot({ path: join(out, 'dash-hq-nation.png'), fullPage: true });
  await page.locator('table.wide a').first().click();
  await page.waitForURL(/bureau=/);
  check((await page.textContent('h2:has-text("各银行")')) !== null, 'HQ drills down to a bureau\'s banks');
  await page.screenshot({ path: join(out, 'dash-hq-bureau.png'), fullPage: true });
});

// The bank the bureau presses: the demo bank admin's.
const pressed = '中国农业银行';
const message = '贵行问卷回收率明显落后，请于三日内完成推送并报告原因';
await visit({ width: 1280, height: 900 }, 'bureau', async (page) => {
  await login(page, 'shandong');
  await page.goto(`${base}/dashboard`);
  check((await page.textContent('h1')).includes('山东'), 'bureau dashboard: its own province');
  await page.screenshot({ path: join(out, 'dash-bureau.png'), fullPage: true });
  await page.click('nav a[href="/supervision"]');
  const first = await page.locator('table.wide tr:nth-child(2) .pace').textContent();
  check(['严重滞后', '滞后', '正常'].includes(first.trim()), `supervision: the worst bank first (${first})`);
  // Each row's "督促" link opens the form with that bank chosen and a suggested text.
  await page.locator('table.wide tr', { hasText: pressed }).first().locator('a:has-text("督促")').click();
  await page.waitForURL(/press=/);
  check((await page.locator('form.press select[name=bank] option:checked').textContent()).includes(pressed), 'supervision: the bank is chosen');
  check((await page.inputValue('form.press textarea')).includes('按日程应达'), 'supervision: a suggested text says what lags');
  await page.fill('form.press textarea', message);
  await Promise.all([page.waitForURL(/done=1/), page.click('form.press button')]);
  check((await page.textContent('p.ok')).includes('已记录督促'), 'supervision: the press is recorded');
  check((await page.textContent('main')).includes(message), 'supervision: the reminder is listed');
  await page.screenshot({ path: join(out, 'dash-supervision.png'), fullPage: true });
  await page.click('nav a[href="/quality"]');
  check((await page.textContent('main')).includes('填写过快'), 'quality: the rules are listed');
  const scores = await page.locator('table.wide tr:not(.total) td:nth-child(2)').allTextContents();
  const numeric = scores.map((s) => Number(s.trim())).filter((n) => !Number.isNaN(n));
  check(numeric.every((n, i) => i === 0 || numeric[i - 1] <= n), `quality: worst first (${numeric.slice(0, 5)})`);
  await page.screenshot({ path: join(out, 'dash-quality.png'), fullPage: true });
});

const reply = '已要求各网点两日内完成推送';
await visit({ width: 1280, height: 900 }, 'bank', async (page) => {
  await login(page, 'bankadmin');
  check((await page.textContent('main')).includes('督促待您回复'), 'bank home: the reminder is announced');
  await page.goto(`${base}/dashboard`);
  check((await page.textContent('main')).includes(message), 'bank dashboard: shows the reminder');
  await page.screenshot({ path: join(out, 'dash-bank.png'), fullPage: true });
  await page.click('nav a[href="/reminders"]');
  const card = page.locator('article.reminder', { hasText: message });
  await card.locator('textarea[name=reply]').fill(reply);
  await Promise.all([page.waitForURL(/done=1/), card.locator('button').click()]);
  check((await page.textContent('main')).includes(reply), 'bank: the reply is kept');
  await page.screenshot({ path: join(out, 'dash-bank-replied.png'), fullPage: true });
});

await visit({ width: 360, height: 740 }, 'phone', async (page) => {
  await login(page, 'shandong');
  await page.goto(`${base}/supervision`);
  check((await page.textContent('main')).includes(reply), 'the bureau sees the bank\'s reply');
  await page.goto(`${base}/dashboard`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 380, `the dashboard fits a 360 px screen (${width} px; wide tables scroll inside)`);
  await page.screenshot({ path: join(out, 'dash-bureau-phone.png'), fullPage: true });
});

await browser.close();
if (failures.length) {
  console.error(`${failures.length} dashboard check(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`dashboard checks passed; screenshots in ${out}`);

// Real-browser checks of the main pages, one login per role, in headless Debian chromium:
// each role logs in through the form, sees its home page and list, opens an enterprise; the
// browser must never request anything outside the platform. Screenshots of every page go to
// SCREENSHOT_DIR so a person can look at them.
//
//   BASE_URL=http://127.0.0.1:18081 SCREENSHOT_DIR=../target/screenshots node screenshots.mjs

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:18081';
const out = process.env.SCREENSHOT_DIR ?? '../target/screenshots';
const password = process.env.DEMO_PASSWORD ?? 'yinqi-demo-2019';
mkdirSync(out, { recursive: true });

// username, the heading its home page must show, whether it sees enterprise rows
const roles = [
  ['hqadmin', '全国名单', true],
  ['shandong', '山东银保监局名单', true],
  ['qingdao', '青岛银保监局名单', true],
  ['bankadmin', '本行名单', true],
  ['branch01', '本网点名单', true],
  ['manager01', '我的企业', true],
];

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
    await page.screenshot({ path: join(out, `${name}-failure.png`), fullPage: true }).catch(() => {});
  }
  await context.close();
}

async function login(page, username) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
}

for (const [username, heading, seesRows] of roles) {
  await visit({ width: 1280, height: 860 }, username, async (page) => {
    await login(page, username);
    check((await page.textContent('h1'))?.includes(heading), `${username}: home heading should say ${heading}`);
    await page.screenshot({ path: join(out, `${username}-home.png`), fullPage: true });
    if (!seesRows) return;
    await page.goto(`${base}/enterprises`);
    const rows = await page.locator('table.list tr td a').count();
    check(rows > 0, `${username}: the list shows enterprises`);
    await page.screenshot({ path: join(out, `${username}-list.png`), fullPage: true });
    if (rows > 0) {
      await page.locator('table.list tr td a').first().click();
      await page.waitForSelector('dl.facts');
      const contact = await page.locator('dl.facts dd').last().textContent();
      check(contact.includes('*'), `${username}: contacts are masked (${contact})`);
      await page.screenshot({ path: join(out, `${username}-detail.png`), fullPage: true });
    }
  });
}

// A wrong password, and the list on a phone-sized screen.
await visit({ width: 360, height: 740 }, 'mobile', async (page) => {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', 'shandong');
  await page.fill('input[name=password]', 'wrong-password-1');
  await page.click('button[type=submit]');
  await page.waitForSelector('p.error');
  check((await page.textContent('p.error')).includes('用户名或密码错误'), 'wrong password is explained');
  await page.screenshot({ path: join(out, 'mobile-login-error.png'), fullPage: true });
  await login(page, 'shandong');
  await page.goto(`${base}/enterprises`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 380, `the list fits a 360 px screen (page is ${width} px wide)`);
  await page.screenshot({ path: join(out, 'mobile-list.png'), fullPage: true });
});

// The list round: HQ's overview of every bureau and a frozen demo list.
await visit({ width: 1280, height: 860 }, 'lists', async (page) => {
  await login(page, 'hqadmin');
  await page.goto(`${base}/lists`);
  check((await page.locator('span.status-frozen').count()) >= 3, 'HQ sees the three demo lists frozen');
  await page.screenshot({ path: join(out, 'hqadmin-lists.png'), fullPage: true });
  await page.goto(`${base}/lists/37`);
  check((await page.textContent('h1')).includes('已冻结'), 'Shandong\'s list is frozen');
  await page.screenshot({ path: join(out, 'hqadmin-list-37.png'), fullPage: true });
});

// A bureau uploads its list in the browser: the job page refreshes itself (no script) until
// the import is done, then offers the error report; the bureau submits the list.
const uploadFile = process.env.UPLOAD_FILE;
if (uploadFile) {
  await visit({ width: 1280, height: 860 }, 'guangdong', async (page) => {
    await login(page, 'guangdong');
    await page.goto(`${base}/lists`);
    check((await page.textContent('h1')).includes('草稿'), 'a new list is a draft');
    await page.screenshot({ path: join(out, 'guangdong-list-draft.png'), fullPage: true });
    await page.setInputFiles('input[type=file]', uploadFile);
    await Promise.all([page.waitForURL(/\/jobs\/\d+$/), page.click('form[enctype] button[type=submit]')]);
    await page.screenshot({ path: join(out, 'guangdong-job.png'), fullPage: true });
    let done = false;
    for (let i = 0; i < 60 && !done; i++) {
      await page.waitForTimeout(1000);
      // The page may be reloading itself at this moment.
      done = await page.locator('caption', { hasText: '导入结果' }).count().then((n) => n > 0, () => false);
    }
    check(done, 'the upload finishes and shows its summary');
    check(await page.locator('a[href$="/report"]').count() === 1, 'the error report can be downloaded');
    await page.screenshot({ path: join(out, 'guangdong-job-done.png'), fullPage: true });
    await page.goto(`${base}/lists`);
    await Promise.all([page.waitForURL(`${base}/lists/44`), page.click('form[action$="/submit"] button')]);
    check((await page.textContent('h1')).includes('已提交'), 'the list is submitted');
    await page.screenshot({ path: join(out, 'guangdong-list-submitted.png'), fullPage: true });
  });
}

// Invitation codes: HQ's batches, the bank's batch with its export, a manager's enterprise
// with its code, link and QR code.
await visit({ width: 1280, height: 860 }, 'codes', async (page) => {
  await login(page, 'hqadmin');
  await page.goto(`${base}/codes`);
  check((await page.locator('table.list tr td a[href^="/codes/batches/"]').count()) > 0, 'HQ lists the code batches');
  await page.screenshot({ path: join(out, 'hqadmin-codes.png'), fullPage: true });
});
await visit({ width: 1280, height: 860 }, 'bank-codes', async (page) => {
  await login(page, 'bankadmin');
  await page.goto(`${base}/codes`);
  await page.screenshot({ path: join(out, 'bankadmin-codes.png'), fullPage: true });
  await page.locator('table.list tr td a[href^="/codes/batches/"]').first().click();
  await page.waitForSelector('a[href$="format=xlsx"]');
  check((await page.locator('table.cards code').count()) > 0, 'the bank reads its codes');
  await page.screenshot({ path: join(out, 'bankadmin-batch.png'), fullPage: true });
  await page.goto(`${base}/managers`);
  check((await page.textContent('body')).includes('manager01'), 'the bank lists its managers');
  await page.screenshot({ path: join(out, 'bankadmin-managers.png'), fullPage: true });
});
await visit({ width: 360, height: 740 }, 'manager-code', async (page) => {
  await login(page, 'manager01');
  await page.goto(`${base}/enterprises`);
  await page.locator('table.list tr td a').first().click();
  await page.waitForSelector('img.qr');
  const loaded = await page.locator('img.qr').evaluate((img) => img.complete && img.naturalWidth > 0);
  check(loaded, 'the QR code of the link is drawn');
  check((await page.locator('textarea').inputValue()).includes('/q/'), 'the SMS text carries the link');
  await page.screenshot({ path: join(out, 'manager01-enterprise-code.png'), fullPage: true });
});

// An enterprise on a phone types its code (lower case, with spaces) and reaches its page;
// a mistyped code is explained. Then the poster for branch screens.
const enterpriseCode = process.env.ENTERPRISE_CODE;
if (enterpriseCode) {
  await visit({ width: 360, height: 740 }, 'enterprise-entry', async (page) => {
    await page.goto(`${base}/q`);
    const typo = (enterpriseCode[0] === 'A' ? 'B' : 'A') + enterpriseCode.slice(1);
    await page.fill('input[name=code]', typo);
    await page.click('button[type=submit]');
    await page.waitForSelector('p.error');
    check((await page.textContent('p.error')).includes('有误'), 'a mistyped code is caught');
    await page.screenshot({ path: join(out, 'enterprise-entry-typo.png'), fullPage: true });
    const typed = enterpriseCode.toLowerCase().replace(/(....)/g, '$1 ');
    await page.fill('input[name=code]', typed);
    await Promise.all([page.waitForURL(`${base}/q/${enterpriseCode}`), page.click('button[type=submit]')]);
    check((await page.textContent('h1')).includes('确认'), 'the code opens the enterprise\'s page');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 380, `the entry page fits a 360 px screen (${width} px)`);
    await page.screenshot({ path: join(out, 'enterprise-found.png'), fullPage: true });
  });
}
await visit({ width: 1280, height: 860 }, 'poster', async (page) => {
  await page.goto(`${base}/poster`);
  check((await page.locator('.qr svg').count()) === 1, 'the poster has its QR code');
  await page.screenshot({ path: join(out, 'poster.png'), fullPage: true });
});

// manager02 activates the account with the code the bank gave, then logs in.
const managerCode = process.env.MANAGER_CODE;
if (managerCode) {
  await visit({ width: 360, height: 740 }, 'activate', async (page) => {
    await page.goto(`${base}/activate`);
    await page.fill('input[name=code]', managerCode);
    await page.fill('input[name=password]', 'manager02-pass-2019');
    await page.fill('input[name=password2]', 'manager02-pass-2019');
    await page.click('button[type=submit]');
    await page.waitForSelector('p.ok');
    check((await page.textContent('p.ok')).includes('manager02'), 'activation names the account');
    await page.screenshot({ path: join(out, 'manager02-activated.png'), fullPage: true });
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', 'manager02');
    await page.fill('input[name=password]', 'manager02-pass-2019');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
    check((await page.textContent('h1')).includes('我的企业'), 'the activated manager logs in');
  });
}

// Questionnaire 1 as an enterprise will see it, on a 360 px phone: with JavaScript the
// follow-up questions appear only when they apply; without it every question shows with a
// note saying when to answer it.
await visit({ width: 360, height: 740 }, 'q1-js', async (page) => {
  await login(page, 'hqadmin');
  await page.goto(`${base}/questionnaires/q1`);
  check(await page.locator('#q-need_amount').isHidden(), 'q1: the amount is hidden until a need is stated');
  await page.check('input[name=need][value=yes]');
  check(await page.locator('#q-need_amount').isVisible(), 'q1: the amount appears for "yes"');
  check(await page.locator('#q-no_need_reason').isHidden(), 'q1: why-not stays hidden for "yes"');
  await page.screenshot({ path: join(out, 'q1-need-yes.png'), fullPage: true });
  await page.check('input[name=need][value=no]');
  check(await page.locator('#q-need_amount').isHidden(), 'q1: the amount hides again for "no"');
  check(await page.locator('#q-no_need_reason').isVisible(), 'q1: why-not appears for "no"');
  await page.check('input[name=obstacles][value=collateral]');
  await page.check('input[name=obstacles][value=none]');
  check(!(await page.locator('input[name=obstacles][value=collateral]').isChecked()), 'q1: "none" clears the other obstacles');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 380, `q1 fits a 360 px screen (${width} px)`);
  await page.screenshot({ path: join(out, 'q1-need-no.png'), fullPage: true });
});
{
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await login(page, 'hqadmin');
    await page.goto(`${base}/questionnaires/q1`);
    check(await page.locator('#q-need_amount').isVisible(), 'q1 without JS: every question shows');
    check((await page.locator('#q-need_amount .when').textContent()).includes('仅当'), 'q1 without JS: a note says when to answer');
    await page.screenshot({ path: join(out, 'q1-no-js.png'), fullPage: true });
  } catch (e) {
    failures.push(`q1-no-js: ${e.message}`);
  }
  await context.close();
}

await browser.close();
if (failures.length) {
  console.error(`${failures.length} browser check(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`browser checks passed; screenshots in ${out}`);

// Real-browser check of the customer manager's work, in headless Debian chromium: manager01
// logs in and lands on the workbench (the demo left mixed statuses), pushes a link, records a
// visit with questionnaire 2 (a draft first, then submitted), opens a financing solution
// with questionnaire 3 and moves it one status on. Screenshots on a desktop and a 360 px
// phone go to SCREENSHOT_DIR.
//
//   BASE_URL=http://127.0.0.1:18092 SCREENSHOT_DIR=../target/screenshots node manager.mjs

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:18081';
const out = process.env.SCREENSHOT_DIR ?? '../target/screenshots';
const password = process.env.DEMO_PASSWORD ?? 'yinqi-demo-2019';
mkdirSync(out, { recursive: true });

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

async function login(page) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', 'manager01');
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
}

// The count shown on a status chip of the workbench.
async function chip(page, status) {
  const text = await page.locator(`.chips a.st-${status} b`).textContent();
  return Number(text);
}

// Fills a complete on-site visit; the script hides what does not apply.
async function fillVisit(page) {
  await page.fill('input[name=visit_date]', '2020-01-15');
  await page.check('input[name=visit_mode][value=on_site]');
  check(await page.locator('#q-remote_reason').isHidden(), 'q2: the reason for a remote visit hides for "on site"');
  await page.check('input[name=people_met][value=legal_rep]');
  await page.check('input[name=premises][value=rented]');
  await page.check('input[name=operating_status][value=normal]');
  await page.fill('input[name=main_business]', '五金加工');
  for (const [name, value] of [['staff_count', '35'], ['revenue', '800'], ['profit', '60'],
    ['total_assets', '500'], ['total_liabilities', '200'], ['tax_paid', '30']]) {
    await page.fill(`input[name=${name}]`, value);
  }
  await page.check('input[name=existing_credit][value=none]');
  await page.check('input[name=confirmed_need][value=yes]');
  await page.fill('input[name=need_amount]', '100');
  await page.fill('input[name=need_term_months]', '12');
  await page.check('input[name=need_purpose][value=working_capital]');
  await page.check('input[name=repayment_source][value=operating_income]');
  await page.check('input[name=collateral][value=receivables]');
  await page.check('input[name=exclusion_check][value=none]');
  await page.check('input[name=need_real][value=yes]');
  await page.check('input[name=meets_policy][value=yes]');
  await page.check('input[name=suggested_products][value=credit]');
}

await visit({ width: 1280, height: 860 }, 'manager-work', async (page) => {
  await login(page);
  check((await page.textContent('h1')).includes('我的企业'), 'the manager\'s home is the workbench');
  const statuses = ['not_contacted', 'pushed', 'wants_visit', 'visited', 'solution_open', 'done'];
  const counts = Object.fromEntries(await Promise.all(statuses.map(async (s) => [s, await chip(page, s)])));
  check(statuses.every((s) => counts[s] > 0), `the demo's workbench shows every status: ${JSON.stringify(counts)}`);
  await page.screenshot({ path: join(out, 'manager01-workbench.png'), fullPage: true });

  // Push the first enterprise not yet contacted, by WeChat.
  await Promise.all([page.waitForURL(/status=not_contacted/), page.click('.chips a.st-not_contacted')]);
  const card = page.locator('ul.work li').first();
  const pushedName = (await card.locator('p.head a').textContent()).trim();
  await card.locator('summary').click();
  check((await card.locator('textarea').inputValue()).includes('/q/'), 'the SMS text carries the link');
  check(await card.locator('button.copy').isVisible(), 'with JavaScript a copy button shows');
  await card.locator('select[name=channel]').selectOption('wechat');
  await page.screenshot({ path: join(out, 'manager01-push.png'), fullPage: true });
  await Promise.all([page.waitForURL(/done=pushed/), card.locator('form.push button').click()]);
  check((await page.textContent('p.ok')).includes('已标记为已推送'), 'the push is confirmed');
  check((await chip(page, 'not_contacted')) === counts.not_contacted - 1, 'one fewer not contacted');
  await Promise.all([page.waitForURL(/status=pushed/), page.click('.chips a.st-pushed')]);
  check((await page.locator('ul.work li p.head a', { hasText: pushedName }).count()) === 1, 'the enterprise is now "pushed"');

  // Record a visit for an enterprise that asked for one: a draft, then the whole form.
  await page.goto(`${base}/work?status=wants_visit`);
  const visited = page.locator('ul.work li').first();
  const visitedName = (await visited.locator('p.head a').textContent()).trim();
  await Promise.all([page.waitForURL(/\/visit$/), visited.locator('a', { hasText: '记录走访' }).click()]);
  await page.check('input[name=visit_mode][value=phone]');
  check(await page.locator('#q-remote_reason').isVisible(), 'q2: a phone visit asks why');
  await page.fill('input[name=remote_reason]', '企业临时停工');
  await page.click('button[value=draft]');
  await page.waitForSelector('p.ok');
  check((await page.textContent('p.ok')).includes('草稿已于'), 'the draft is saved');
  await fillVisit(page);
  await page.screenshot({ path: join(out, 'manager01-visit-form.png'), fullPage: true });
  await Promise.all([page.waitForURL(/done=visit/), page.click('button[value=submit]')]);
  check((await page.textContent('p.ok')).includes('走访记录已提交'), 'the visit is submitted');
  check((await page.textContent('#answers')).includes('五金加工'), 'the visit shows on the enterprise\'s page');
  check(!(await page.textContent('#answers')).includes('企业临时停工'), 'the remote reason typed before was not kept');

  // A financing solution, then one step on.
  await Promise.all([page.waitForURL(/solutions\/new$/), page.click('a:has-text("新建融资方案")')]);
  await page.fill('input[name=product_name]', '经营快贷');
  await page.check('input[name=product_type][value=credit]');
  await page.fill('input[name=proposed_amount]', '100');
  await page.fill('input[name=proposed_term_months]', '12');
  await page.fill('input[name=proposed_rate]', '3.85');
  await page.check('input[name=guarantee_fund][value=no]');
  await page.check('input[name=status][value=proposed]');
  await Promise.all([page.waitForURL(/\/work\/solutions\/\d+\?done=solution/), page.click('button[value=submit]')]);
  check((await page.textContent('p.ok')).includes('融资方案已提交'), 'the solution is submitted');
  await page.check('input[name=status][value=applied]');
  await page.fill('textarea[name=_reason]', '企业已递交贷款申请');
  await Promise.all([page.waitForURL(/done=updated/), page.click('button[value=submit]')]);
  check((await page.textContent('p.ok')).includes('方案进展已保存'), 'the progress is saved');
  check((await page.locator('table.history tr').count()) === 3, 'the history has the submission and the step');
  check((await page.textContent('table.history')).includes('企业已递交贷款申请'), 'the step\'s note is in the history');
  await page.screenshot({ path: join(out, 'manager01-solution.png'), fullPage: true });
  await page.goto(`${base}/work?status=solution_open`);
  check((await page.locator('ul.work li p.head a', { hasText: visitedName }).count()) === 1, 'the visited enterprise now has a solution in progress');
});

// The same work on a phone: the workbench and the visit form fit 360 px.
await visit({ width: 360, height: 740 }, 'manager-mobile', async (page) => {
  await login(page);
  let width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 380, `the workbench fits a 360 px screen (${width} px)`);
  await page.screenshot({ path: join(out, 'manager01-workbench-360.png'), fullPage: true });
  await page.locator('ul.work li a', { hasText: '记录走访' }).first().click();
  await page.waitForSelector('form.questionnaire');
  width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 380, `the visit form fits a 360 px screen (${width} px)`);
  await page.screenshot({ path: join(out, 'manager01-visit-360.png'), fullPage: true });
});

await browser.close();
if (failures.length) {
  console.error(`${failures.length} manager check(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`manager checks passed; screenshots in ${out}`);

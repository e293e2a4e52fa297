// The enterprise's flow in a real browser on a 360×740 phone, once with JavaScript on and
// once with it off (separate contexts, separate enterprises): open the invitation link,
// start questionnaire 1, answer part of it through a skip-logic branch, save a draft, load
// the page again and find the draft, see the messages a premature submission gets, finish,
// submit, see the confirmation. Every page must fit 360 px and the browser must never
// request anything outside the platform. Screenshots go to SCREENSHOT_DIR.
//
//   ENTERPRISE_CODE=… ENTERPRISE_CODE_2=… BASE_URL=http://127.0.0.1:18081 node enterprise.mjs

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:18081';
const out = process.env.SCREENSHOT_DIR ?? '../target/screenshots';
mkdirSync(out, { recursive: true });

const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function phone(name, javaScriptEnabled, steps) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, locale: 'zh-CN', javaScriptEnabled,
  });
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

async function fits(page, name, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 362, `${name}: ${what} fits a 360 px screen (${width} px)`);
}

async function shot(page, name, what) {
  await fits(page, name, what);
  await page.screenshot({ path: join(out, `${name}-${what}.png`), fullPage: true });
}

const pick = (page, question, value) => page.check(`input[name=${question}][value="${value}"]`);
const visible = (page, question) => page.locator(`#q-${question}`).isVisible();
const value = (page, question) => page.inputValue(`input[name=${question}]`);

// Opens the link, checks the enterprise's page, starts the questionnaire.
async function start(page, name, code) {
  await page.goto(`${base}/q/${code}`);
  check((await page.textContent('h1')).includes('确认'), `${name}: the link opens the enterprise's page`);
  check((await page.locator('a.button', { hasText: '开始填写' }).count()) === 1, `${name}: a new questionnaire says 开始填写`);
  await shot(page, name, 'home');
  await Promise.all([page.waitForURL(`${base}/q/${code}/q1`), page.click('a.button')]);
  check((await value(page, 'company_name')).length > 0, `${name}: the company name is prefilled`);
  check((await value(page, 'company_uscc')).length === 18, `${name}: the credit code is prefilled`);
  await shot(page, name, 'q1-new');
}

// The first section and the business questions.
async function firstPart(page, name) {
  await page.fill('input[name=respondent_name]', name === 'enterprise-js' ? '张三' : '李四');
  await pick(page, 'respondent_role', 'finance');
  await page.fill('input[name=respondent_mobile]', '13800138000');
  await pick(page, 'staff_band', '10_to_49');
  await pick(page, 'revenue_band', '100_to_500');
}

async function saveAndReload(page, name, code) {
  await Promise.all([page.waitForURL(`${base}/q/${code}/q1?saved=1`), page.click('button[value=save]')]);
  check((await page.textContent('p.ok')).includes('草稿已于'), `${name}: the draft is saved`);
  await shot(page, name, 'draft-saved');
  await page.goto(`${base}/q/${code}/q1`);
  check((await value(page, 'respondent_mobile')) === '13800138000', `${name}: the draft comes back after a reload`);
  check(await page.isChecked('input[name=respondent_role][value=finance]'), `${name}: a chosen option comes back`);
}

async function prematureSubmit(page, name) {
  await page.click('button[value=submit]');
  await page.waitForSelector('p.error');
  check((await page.locator('fieldset.q p.error').count()) > 0, `${name}: unanswered questions are marked`);
  check((await value(page, 'respondent_mobile')) === '13800138000', `${name}: typed answers survive a refused submission`);
  await shot(page, name, 'q1-errors');
}

async function submit(page, name, code) {
  await Promise.all([page.waitForURL(`${base}/q/${code}/done`), page.click('button[value=submit]')]);
  check((await page.textContent('h1')).includes('问卷已提交'), `${name}: the confirmation`);
  check((await page.textContent('main')).includes('客户经理'), `${name}: says what happens next`);
  await shot(page, name, 'done');
  await page.goto(`${base}/q/${code}/q1`);
  check(page.url() === `${base}/q/${code}/done`, `${name}: no second form once submitted`);
  await page.goto(`${base}/q/${code}`);
  check((await page.textContent('main')).includes('已提交'), `${name}: the link says submitted`);
  await shot(page, name, 'home-submitted');
}

const withJs = process.env.ENTERPRISE_CODE;
if (withJs) {
  await phone('enterprise-js', true, async (page) => {
    const name = 'enterprise-js';
    await start(page, name, withJs);
    check((await page.inputValue('input[name=js]')) === '1', `${name}: the script marks the form`);
    check(!(await visible(page, 'need_amount')), `${name}: the amount is hidden until a need is said`);
    await firstPart(page, name);
    // The skip logic both ways: "no" asks why, "yes" asks how much.
    await pick(page, 'need', 'no');
    check(await visible(page, 'no_need_reason'), `${name}: "no need" asks why`);
    check(!(await visible(page, 'need_amount')), `${name}: "no need" hides the amount`);
    await pick(page, 'need', 'yes');
    check(await visible(page, 'need_amount'), `${name}: "need" asks the amount`);
    check(!(await visible(page, 'no_need_reason')), `${name}: "need" hides the reasons`);
    await page.fill('input[name=need_amount]', '80');
    await saveAndReload(page, name, withJs);
    check(await visible(page, 'need_amount'), `${name}: the reloaded draft shows its branch`);
    check((await value(page, 'need_amount')) === '80', `${name}: the amount comes back`);
    await prematureSubmit(page, name);
    await pick(page, 'assets_band', '100_to_500');
    await pick(page, 'current_credit', 'one_bank');
    await pick(page, 'need_term', '1_to_3y');
    await page.check('input[name=need_purpose][value=equipment]');
    await page.check('input[name=guarantee][value=property]');
    await page.check('input[name=guarantee][value=none]');
    check(!(await page.isChecked('input[name=guarantee][value=property]')), `${name}: "none" clears the other guarantees`);
    await pick(page, 'acceptable_rate', '4_to_5');
    await page.check('input[name=obstacles][value=collateral]');
    await pick(page, 'wants_visit', 'yes');
    check(await visible(page, 'visit_time'), `${name}: wanting a visit asks when`);
    await pick(page, 'visit_time', 'weekday_pm');
    await pick(page, 'consent', 'agree');
    await submit(page, name, withJs);
    check((await page.textContent('main')).includes('已提交'), `${name}: submitted`);
  });
}

const withoutJs = process.env.ENTERPRISE_CODE_2;
if (withoutJs) {
  await phone('enterprise-nojs', false, async (page) => {
    const name = 'enterprise-nojs';
    await start(page, name, withoutJs);
    check(await visible(page, 'need_amount'), `${name}: without a script every question shows`);
    check((await page.textContent('#q-need_amount')).includes('仅当'), `${name}: and says when it applies`);
    await firstPart(page, name);
    // Typed an amount, then changed the answer to "no": the leftover amount is dropped.
    await pick(page, 'need', 'yes');
    await page.fill('input[name=need_amount]', '30');
    await pick(page, 'need', 'no');
    await page.check('input[name=no_need_reason][value=own_funds]');
    await saveAndReload(page, name, withoutJs);
    check((await value(page, 'need_amount')) === '', `${name}: the answer to a question that no longer applies is dropped`);
    check(await page.isChecked('input[name=no_need_reason][value=own_funds]'), `${name}: the reason comes back`);
    await prematureSubmit(page, name);
    await pick(page, 'assets_band', 'under_100');
    await pick(page, 'current_credit', 'none');
    await page.check('input[name=obstacles][value=none]');
    await pick(page, 'wants_visit', 'no');
    await pick(page, 'consent', 'agree');
    await submit(page, name, withoutJs);
  });
}

await browser.close();
if (!withJs || !withoutJs) failures.push('ENTERPRISE_CODE and ENTERPRISE_CODE_2 must both be set');
if (failures.length) {
  console.error(`enterprise flow: ${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('enterprise flow: JS on and off, all checks passed');

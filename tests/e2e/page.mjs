// The page as a person meets it, against the built dist/: the cluster is the hero on a laptop
// screen, comes first on a phone with 44 px touch targets, the embed fits a 640×400 frame,
// axe-core finds no serious or critical problem (first screen, inspector open, help open,
// phone), and screenshots at 1440×900 (light and dark), 1280×720 and 390×844 go to target/.
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { serveDist, CHROMIUM_ARGS } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const axeSource = await readFile(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
await mkdir(root + 'target', { recursive: true });
let failed = 0;
let passed = 0;

async function check(name, f) {
  try {
    await f();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

async function open(width, height, { scheme = 'light', query = '' } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme, reducedMotion: 'reduce' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(site.url + query);
  await page.waitForSelector('[data-node]');
  await page.evaluate(() => { const p = window.raftPlayground; p.pause(); p.seek(1500); });
  await page.waitForTimeout(150);
  page.errors = errors;
  return page;
}

const box = (page, sel) => page.$eval(sel, (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });

/// axe-core in the page; returns the serious and critical violations, one line each.
async function audit(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

try {
  await check('1440×900: the cluster is at least half the width and wholly above the fold', async () => {
    for (const scheme of ['light', 'dark']) {
      const page = await open(1440, 900, { scheme });
      const c = await box(page, '[data-cluster]');
      if (c.w < 720) throw new Error(`${scheme}: cluster ${c.w} px wide`);
      if (c.y + c.h > 900) throw new Error(`${scheme}: cluster ends at ${c.y + c.h} px`);
      await page.screenshot({ path: `${root}target/page-1440x900-${scheme}.png` });
      if (page.errors.length) throw new Error(page.errors.join(' | '));
      await page.close();
    }
    const page = await open(1280, 720);
    await page.screenshot({ path: `${root}target/page-1280x720.png` });
    await page.close();
  });
  await check('390×844: the cluster comes first, fits the width, touch targets of 44 px', async () => {
    const page = await open(390, 844);
    const c = await box(page, '[data-cluster]');
    const t = await box(page, '[data-toolbar]');
    if (c.x < 0 || c.x + c.w > 390) throw new Error(`cluster spans ${c.x}..${c.x + c.w}`);
    if (c.y > t.y) throw new Error('the toolbar comes before the cluster');
    const small = await page.$$eval('[data-toolbar] button, [data-toolbar] input', (els) => els
      .map((e) => e.getBoundingClientRect()).filter((r) => r.height < 44).length);
    if (small) throw new Error(`${small} toolbar controls under 44 px`);
    await page.screenshot({ path: `${root}target/page-390x844.png`, fullPage: false });
    await page.close();
  });
  await check('?embed in a 640×400 frame: the cluster and the toolbar fit without scrolling', async () => {
    const page = await open(640, 400, { query: '?embed' });
    const scroll = await page.evaluate(() => [document.scrollingElement.scrollHeight, document.scrollingElement.scrollWidth]);
    if (scroll[0] > 400 || scroll[1] > 640) throw new Error(`the page scrolls: ${scroll}`);
    for (const sel of ['[data-cluster]', '[data-toolbar]']) {
      const b = await box(page, sel);
      if (b.y < 0 || b.y + b.h > 400.5 || b.x < 0 || b.x + b.w > 640.5) throw new Error(`${sel} outside the frame: ${JSON.stringify(b)}`);
    }
    if (await page.$('[data-diagram]')) throw new Error('the embed shows more than the cluster and toolbar');
    await page.close();
  });
  await check('the Figure 8 story steps through its captions to the end, with and without its bug', async () => {
    for (const bug of [false, true]) {
      const page = await open(1440, 900);
      await page.click('[data-action="settings"]');
      await page.click('[data-preset="figure8"]');
      await page.waitForSelector('[data-caption]');
      if (bug) await page.click('[data-action="tour-bug"]');
      await page.evaluate(() => window.raftPlayground.setSpeed(1));
      const beats = Number(await page.$eval('[data-caption]', (e) => e.dataset.beats));
      for (let beat = 1; beat < beats; beat++) {
        await page.click('[data-action="tour-next"]');
        await page.waitForFunction((b) => document.querySelector('[data-caption]').dataset.beat === String(b), beat, { timeout: 15000 });
      }
      const caption = await page.$eval('[data-caption] p', (e) => e.textContent);
      const monitor = await page.$eval('[data-invariants]', (e) => e.dataset.invariants);
      if (!bug && (monitor !== 'ok' || !caption.startsWith('(e)'))) throw new Error(`without the bug: monitor ${monitor}, caption ${caption}`);
      if (bug && (monitor === 'ok' || !caption.includes('commit-previous-term'))) throw new Error(`with the bug: monitor ${monitor}, caption ${caption}`);
      await page.close();
    }
  });
  await check('axe-core: no serious or critical violations (first screen, inspector, help, phone, dark)', async () => {
    const problems = [];
    const page = await open(1440, 900);
    problems.push(...(await audit(page)).map((p) => `first screen: ${p}`));
    await page.click('[data-inspect="1"]');
    problems.push(...(await audit(page)).map((p) => `inspector: ${p}`));
    await page.keyboard.press('Escape');
    await page.click('[data-action="help"]');
    problems.push(...(await audit(page)).map((p) => `help: ${p}`));
    await page.close();
    const phone = await open(390, 844);
    problems.push(...(await audit(phone)).map((p) => `phone: ${p}`));
    await phone.close();
    const dark = await open(1440, 900, { scheme: 'dark' });
    problems.push(...(await audit(dark)).map((p) => `dark: ${p}`));
    await dark.close();
    if (problems.length) throw new Error(`\n  ${problems.join('\n  ')}`);
  });
} finally {
  await browser.close();
  site.close();
}
console.log(`page: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

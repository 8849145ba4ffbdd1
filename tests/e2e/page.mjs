// The page as a person meets it, against the built dist/: the cluster is the hero on a laptop
// screen, comes first on a phone with 44 px touch targets, the embed fits a 640×400 frame,
// axe-core finds no serious or critical problem (first screen, inspector open, help open,
// phone), and screenshots at 1440×900 (light and dark), 1280×720 and 390×844 go to target/.
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { serveDist, CHROMIUM_ARGS, inView, playStory } from './serve.mjs';

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

async function open(width, height, { scheme = 'light', query = '', tour = false } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme, reducedMotion: 'reduce' });
  // Each page is a fresh profile: the first visit's tour shows unless the test dismisses it.
  if (!tour) await page.addInitScript(() => localStorage.setItem('raft-playground-tour-dismissed', '1'));
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
  await check('1440×900: the cluster is at least half the width and wholly above the fold, first visit (tour) included', async () => {
    for (const [scheme, tour] of [['light', false], ['dark', false], ['light', true]]) {
      const page = await open(1440, 900, { scheme, tour });
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
    // A hidden file input (Open trace) is no touch target.
    const small = await page.$$eval('[data-toolbar] button, [data-toolbar] input:not([hidden])', (els) => els
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
  await check('the Figure 8 story at 1280×720 and 1440×900: every beat shows the cluster and all five recent log rows, index 2 changes term on screen, no beat takes over 8 s', async () => {
    for (const [w, h] of [[1280, 720], [1440, 900]]) {
      const page = await open(w, h);
      const index2 = [];
      const walls = await playStory(page, 'figure8', { at: async (beat) => {
        const rows = await inView(page, '[data-log-row]');
        if (rows.length !== 5 || rows.includes(false)) throw new Error(`${w}×${h} beat ${beat}: log rows in view ${rows}`);
        const cells = await inView(page, '[data-log-cell][data-index="2"]');
        if (cells.includes(false)) throw new Error(`${w}×${h} beat ${beat}: a cell of index 2 is off screen`);
        const [cluster] = await inView(page, '[data-cluster]');
        if (!cluster) throw new Error(`${w}×${h} beat ${beat}: the cluster is not wholly on screen`);
        index2.push(await page.$$eval('[data-log-cell][data-index="2"]', (els) => els.map((e) => e.dataset.term).join('')));
      } });
      // Beat 3 (c): S1's term-2 entry on a majority (S1, S2, S3, S4); beat 4 (d): S5's term-3
      // entry everywhere but on S1, which is down.
      const count = (text, term) => [...text].filter((t) => t === term).length;
      if (count(index2[3], '2') < 3 || count(index2[4], '3') < 4) {
        throw new Error(`${w}×${h}: index 2 by beat ${JSON.stringify(index2)}`);
      }
      const slow = walls.filter((ms) => ms > 8000);
      if (slow.length) throw new Error(`${w}×${h}: beats over 8 s: ${walls}`);
      console.log(`     ${w}×${h} figure8 beats (ms): ${walls.join(' ')}`);
      if (w === 1280) await page.screenshot({ path: `${root}target/page-figure8-d-1280x720.png` });
      if (page.errors.length) throw new Error(page.errors.join(' | '));
      await page.close();
    }
  });
  await check('the Figure 8 story ends with a challenge: open without the bug, done with it (a committed entry vanished)', async () => {
    for (const bug of [false, true]) {
      const page = await open(1440, 900);
      await playStory(page, 'figure8', { bug });
      const challenge = await page.$eval('[data-challenge]', (e) => e.dataset.challenge);
      const monitor = await page.$eval('[data-invariants]', (e) => e.dataset.invariants);
      if (!bug && (monitor !== 'ok' || challenge !== 'open')) throw new Error(`without the bug: monitor ${monitor}, challenge ${challenge}`);
      if (bug && (monitor === 'ok' || challenge !== 'done')) throw new Error(`with the bug: monitor ${monitor}, challenge ${challenge}`);
      await page.close();
    }
  });
  await check('two challenges met through the console: a new leader (split-vote), a client retry (leader-isolated)', async () => {
    for (const [preset, act] of [['split-vote', 'crash'], ['leader-isolated', 'isolate']]) {
      const page = await open(1440, 900);
      await page.click('[data-action="settings"]');
      await page.click(`[data-preset="${preset}"]`);
      await page.waitForSelector('[data-caption]');
      // Straight to the last beat: Next until it shows, at whatever pace the story sets.
      const beats = Number(await page.$eval('[data-caption]', (e) => e.dataset.beats));
      for (let beat = 1; beat < beats; beat++) {
        await page.click('[data-action="tour-next"]');
        await page.waitForFunction((b) => document.querySelector('[data-caption]').dataset.beat === String(b), beat, { timeout: 20000 });
      }
      if (await page.$eval('[data-challenge]', (e) => e.dataset.challenge) !== 'open') throw new Error(`${preset}: not open at first`);
      await page.evaluate((act) => {
        const p = window.raftPlayground;
        const leader = p.snapshot().servers.find((s) => s.role === 'leader').id;
        p[act](leader);
        p.advance(3000);
      }, act);
      await page.waitForFunction(() => document.querySelector('[data-challenge]')?.dataset.challenge === 'done', null, { timeout: 5000 })
        .catch(async () => { throw new Error(`${preset}: ${await page.$eval('[data-challenge]', (e) => e.dataset.challenge)}`); });
      await page.close();
    }
  });
  await check('compare: disruptive-server without PreVote elects again, with PreVote keeps its leader; the tape marks where they part; figure8 with the bug violates, the other does not', async () => {
    const page = await open(1440, 900);
    await page.click('[data-action="settings"]');
    await page.click('[data-preset="disruptive-server"]');
    await page.click('[data-action="compare"][data-switch="prevote"]');
    await page.waitForSelector('[data-compare] [data-side="b"] [data-cluster]');
    await page.evaluate(() => window.raftPlayground.seek(4000));
    await page.waitForTimeout(300);
    const s = await page.evaluate(() => { const s = window.raftPlayground.snapshot(); return { a: s.leadersElected, b: s.compare.other.leadersElected, t: [s.simTimeUs, s.compare.other.simTimeUs], labels: s.compare.labels }; });
    if (s.labels.join('|') !== 'without PreVote|with PreVote') throw new Error(`labels ${s.labels}`);
    if (s.t[0] !== s.t[1]) throw new Error(`not in lockstep: ${s.t}`);
    if (!(s.a >= 2) || s.b !== 1) throw new Error(`leaders elected: without PreVote ${s.a}, with ${s.b}`);
    const monitors = await page.$$eval('[data-side] [data-invariants]', (els) => els.map((e) => e.dataset.invariants));
    if (monitors.join() !== 'ok,ok') throw new Error(`monitors ${monitors}`);
    if (!(await page.$('[data-divergence-us]'))) throw new Error('no divergence mark on the tape');
    await page.screenshot({ path: `${root}target/page-compare-1440x900.png` });
    await page.click('[data-action="settings"]');
    await page.click('[data-preset="figure8"]');
    await page.click('[data-action="compare"][data-switch="commit-previous-term"]');
    await page.waitForSelector('[data-compare]');
    await page.evaluate(() => window.raftPlayground.seek(1500));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-side] [data-invariants]')].map((e) => e.dataset.invariants).join() === 'ok,violated', null, { timeout: 5000 })
      .catch(async () => { throw new Error(`figure8 monitors: ${await page.$$eval('[data-side] [data-invariants]', (els) => els.map((e) => e.dataset.invariants))}`); });
    if (page.errors.length) throw new Error(page.errors.join(' | '));
    await page.close();
  });
  await check('the first visit shows the tour on a fresh profile; Escape dismisses it, and it stays dismissed after a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(site.url);
    await page.waitForSelector('[data-caption][data-story="first-visit"]');
    const [cluster] = await inView(page, '[data-cluster]');
    if (!cluster) throw new Error('with the tour, the cluster is not wholly above the fold');
    const running = await page.evaluate(() => !window.raftPlayground.snapshot().paused);
    if (!running) throw new Error('the tour stopped the run');
    await page.click('[data-action="tour-next"]');
    await page.waitForFunction(() => document.querySelector('[data-caption]').dataset.beat === '1', null, { timeout: 20000 });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('[data-caption]'));
    await page.reload();
    await page.waitForSelector('[data-node]');
    await page.waitForTimeout(300);
    if (await page.$('[data-caption]')) throw new Error('the tour came back after a reload');
    await context.close();
  });
  await check('axe-core: no serious or critical violations (first screen, inspector, help, phone, dark, tour, a story, compare)', async () => {
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
    const tour = await open(1440, 900, { tour: true });
    problems.push(...(await audit(tour)).map((p) => `tour: ${p}`));
    await tour.close();
    const story = await open(1280, 720);
    await playStory(story, 'figure7');
    problems.push(...(await audit(story)).map((p) => `story with its challenge: ${p}`));
    await story.close();
    const both = await open(1440, 900);
    await both.click('[data-action="settings"]');
    await both.click('[data-preset="disruptive-server"]');
    await both.click('[data-action="compare"]');
    await both.waitForSelector('[data-compare]');
    problems.push(...(await audit(both)).map((p) => `compare: ${p}`));
    await both.close();
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

// End-to-end smoke test of the built dist/ in Debian's headless Chromium:
// loads with no console errors, 5 servers, a leader within a bounded simulated time, a click
// crashes a server. Saves a screenshot under target/. Prints "N passed, N failed".
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { serveDist, CHROMIUM_ARGS } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e.message}`); }
}
// What a person sees of the run: every server's attributes, the clock and the trace hash.
const facts = (p) => p.evaluate(() => ({
  servers: [...document.querySelectorAll('[data-node]')].map((el) =>
    ['node', 'role', 'term', 'state', 'commit', 'lastIndex'].map((k) => el.dataset[k]).join(' ')),
  time: document.querySelector('[data-clock]').dataset.simTimeUs,
  hash: document.querySelector('[data-trace-hash]').dataset.traceHash,
}));
const simTime = () => page.$eval('[data-clock]', (el) => Number(el.dataset.simTimeUs));

try {
  await page.goto(site.url);
  await page.waitForSelector('[data-node]', { timeout: 15000 });
  await check('five servers are drawn', async () => {
    const n = await page.$$eval('[data-node]', (els) => els.length);
    if (n !== 5) throw new Error(`found ${n}`);
  });
  await check('a leader within 2 simulated seconds', async () => {
    // Fast-forward (10×): real frames drive the clock, and a slow machine still gets there.
    await page.click('[data-action="fast-forward"]');
    await page.waitForFunction(() => document.querySelector('[data-role="leader"]')
      || Number(document.querySelector('[data-clock]').dataset.simTimeUs) > 2e6, null, { timeout: 20000 });
    const leader = await page.$('[data-role="leader"]');
    if (!leader) throw new Error(`no leader by ${await simTime()} µs`);
  });
  await check('clicking a server crashes it', async () => {
    await page.click('[data-action="fast-forward"]');
    await page.evaluate(() => window.raftPlayground.pause());
    await page.click('[data-node="2"]');
    const state = await page.$eval('[data-node="2"]', (el) => el.dataset.state);
    if (state !== 'down') throw new Error(`state is ${state}`);
    await page.click('[data-node="2"]');
    const again = await page.$eval('[data-node="2"]', (el) => el.dataset.state);
    if (again !== 'up') throw new Error(`state after a second click is ${again}`);
  });
  await check('mid-replication screenshot', async () => {
    await page.evaluate(() => {
      const p = window.raftPlayground;
      p.seek(4000);
      p.request();
      p.request();
      p.advance(25);
    });
    const verdict = await page.$eval('[data-linearizability]', (el) => el.textContent);
    if (!verdict.startsWith('linearizable')) throw new Error(`client history: ${verdict}`);
    await mkdir(root + 'target', { recursive: true });
    await page.screenshot({ path: root + 'target/e2e-smoke.png' });
  });
  await check('a share link opens the same run in a fresh page, after a reload, and in raft-sim', async () => {
    await page.evaluate(() => { const p = window.raftPlayground; p.pause(); p.seek(1500); });
    const leader = await page.$('[data-role="leader"][data-state="up"]');
    if (leader) await leader.click();
    await page.click('[data-action="request"]');
    await page.evaluate(() => window.raftPlayground.advance(321));
    await page.click('[data-inspect="4"]');
    await page.click('[data-action="isolate"]');
    await page.evaluate(() => window.raftPlayground.advance(654));
    await page.click('[data-action="share"]');
    const link = await page.$eval('[data-share-link]', (el) => el.dataset.shareLink);
    const sent = await facts(page);
    const fresh = await browser.newPage();
    fresh.on('pageerror', (e) => errors.push(String(e)));
    await fresh.goto(link);
    await fresh.waitForSelector('[data-node]');
    const received = await facts(fresh);
    if (JSON.stringify(received) !== JSON.stringify(sent)) throw new Error(`fresh page differs:\n${JSON.stringify(sent)}\n${JSON.stringify(received)}`);
    await page.reload();
    await page.waitForSelector('[data-node]');
    const reloaded = await facts(page);
    if (JSON.stringify(reloaded) !== JSON.stringify(sent)) throw new Error('a reload differs');
    await fresh.close();
    const cli = execFileSync(root + 'target/debug/raft-sim', ['run', '--link', link, '--json']).toString();
    const hash = JSON.parse(cli).trace_hash;
    if (hash !== sent.hash) throw new Error(`raft-sim says ${hash}, the page ${sent.hash}`);
  });
  await check('the space-time diagram draws exactly the messages the console API reports', async () => {
    await page.evaluate(() => { const p = window.raftPlayground; p.reset(); p.pause(); p.seek(2000); });
    await page.waitForTimeout(200);
    const drawn = await page.$$eval('[data-diagram-msg]', (els) => els.map((e) => [e.dataset.msgId, e.dataset.from,
      e.dataset.to, e.dataset.sentUs, e.dataset.deliverUs ?? '', e.dataset.droppedUs ?? ''].join(' ')).sort());
    const [fromUs, toUs] = await page.$eval('[data-diagram]', (e) => [Number(e.dataset.fromUs), Number(e.dataset.toUs)]);
    const reported = (await page.evaluate(([a, b]) => window.raftPlayground.messages(a / 1000, b / 1000), [fromUs, toUs]))
      .map((m) => [m.id, m.from, m.to, m.sentAtUs, m.deliverAtUs ?? '', m.droppedAtUs ?? ''].join(' ')).sort();
    if (drawn.length < 50) throw new Error(`only ${drawn.length} arrows after two simulated seconds`);
    if (JSON.stringify(drawn) !== JSON.stringify(reported)) {
      throw new Error(`diagram and console differ: ${drawn.length} arrows, ${reported.length} messages`);
    }
  });
  await check('clicking the space-time diagram travels to that moment', async () => {
    const svg = await page.$('[data-diagram]');
    const box = await svg.boundingBox();
    const [fromUs, toUs, left] = await svg.evaluate((e) => [Number(e.dataset.fromUs), Number(e.dataset.toUs), Number(e.dataset.plotLeft)]);
    const x = box.width * (left + (1 - left) * 0.5);
    await svg.click({ position: { x, y: box.height / 2 } });
    const now = await simTime();
    const expected = fromUs + (toUs - fromUs) / 2;
    const tolerance = (toUs - fromUs) / 100;
    if (Math.abs(now - expected) > tolerance) throw new Error(`clicked ~${expected} µs, the clock says ${now} µs`);
  });
  await check('cutting a link by clicking stops messages across it, and its share link keeps it cut', async () => {
    await page.evaluate(() => { const p = window.raftPlayground; p.reset(); p.pause(); p.seek(1000); });
    await page.waitForTimeout(100);
    await page.click('[data-link="1-2"]');
    const cut = await page.$eval('[data-link="1-2"]', (el) => el.dataset.cut);
    if (cut !== 'true') throw new Error(`data-cut is ${cut} after a click`);
    const from = await simTime();
    await page.evaluate(() => window.raftPlayground.advance(800));
    const across = (await page.evaluate((a) => window.raftPlayground.messages(a / 1000, a / 1000 + 800), from))
      .filter((m) => (m.from === '1' && m.to === '2') || (m.from === '2' && m.to === '1'));
    const through = across.filter((m) => m.deliverAtUs !== undefined && m.deliverAtUs <= from + 800_000);
    if (through.length) throw new Error(`${through.length} messages crossed the cut link`);
    await page.click('[data-action="share"]');
    const link = await page.$eval('[data-share-link]', (el) => el.dataset.shareLink);
    const fresh = await browser.newPage();
    await fresh.goto(link);
    await fresh.waitForSelector('[data-link="1-2"]');
    const reopened = await fresh.$eval('[data-link="1-2"]', (el) => el.dataset.cut);
    await fresh.close();
    if (reopened !== 'true') throw new Error(`the shared link reopens with data-cut ${reopened}`);
    await page.click('[data-link="1-2"]');
    const mended = await page.$eval('[data-link="1-2"]', (el) => el.dataset.cut);
    if (mended !== 'false') throw new Error(`a second click leaves data-cut ${mended}`);
  });
  await check('no console errors', async () => {
    if (errors.length) throw new Error(errors.join(' | '));
  });
} finally {
  await browser.close();
  site.close();
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

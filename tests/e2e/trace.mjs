// Traces in the page, against the built dist/: open one by the file picker, seek to its middle
// and see the states the trace says; open a violating etcd trace and click through to its first
// violation; drop a file on the page; download a run and open it again (the round trip in the
// browser); the controls that would change the run are disabled with their reason; axe-core
// finds nothing serious with a trace open.
//   trunk build --release && node tests/e2e/trace.mjs
import { chromium } from 'playwright-core';
import { readFile } from 'node:fs/promises';

const axeSource = await readFile(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
import { serveDist, CHROMIUM_ARGS } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const fixtures = root + 'tests/fixtures/traces/';
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
let failed = 0;

async function check(name, f) {
  try {
    await f();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

async function open() {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce', acceptDownloads: true });
  await page.addInitScript(() => localStorage.setItem('raft-playground-tour-dismissed', '1'));
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(site.url);
  await page.waitForSelector('[data-node]');
  return page;
}

/// Opens `file` through the "Open trace" button's file chooser and waits for the trace panel.
async function pick(page, file) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-action="open-trace"]')]);
  await chooser.setFiles(fixtures + file);
  await page.waitForFunction((name) => document.querySelector('[data-trace] h2')?.textContent.includes(name), file);
}

const servers = (page) => page.$$eval('[data-node]', (nodes) => nodes.map((n) => ({
  id: n.dataset.node, role: n.dataset.role, term: n.dataset.term, state: n.dataset.state,
  commit: n.dataset.commit, lastIndex: n.dataset.lastIndex,
})));
const line = (page) => page.$eval('[data-trace]', (e) => Number(e.dataset.traceLine));
const settle = (page) => page.waitForTimeout(200);

try {
  await check('the file picker opens our format; its middle shows the states the trace says', async () => {
    const page = await open();
    await pick(page, 'ours-example.jsonl');
    // 180 ms: lines 1-15 of the fixture have run (n1 won term 1 and appended its no-op; n2 voted
    // for it; n3 never heard of term 1; the client's put was just invoked).
    await page.evaluate(() => window.raftPlayground.seek(180));
    await settle(page);
    const got = (await servers(page)).map((s) => `${s.id}:${s.role}/${s.term}/${s.commit}/${s.lastIndex}`).join(' ');
    const want = '1:leader/1/0/1 2:follower/1/0/0 3:follower/0/0/0';
    if (got !== want) throw new Error(`servers ${got}, want ${want}`);
    if ((await line(page)) !== 15) throw new Error(`at line ${await line(page)}, want 15`);
    const invariants = await page.$eval('[data-invariants]', (e) => e.dataset.invariants);
    if (invariants !== 'ok') throw new Error(`monitor reads ${invariants}`);
    const request = await page.$eval('[data-action="request"]', (b) => [b.disabled, b.title]);
    if (!request[0] || !request[1].includes('cannot be changed') && !request[1].includes('not changed')) {
      throw new Error(`Send request is not disabled with a reason: ${request}`);
    }
    await page.click('[data-node="3"]');
    const inspector = await page.$eval('[data-inspector]', (e) => e.textContent);
    if (!inspector.includes('currentTerm') || !inspector.includes('replayed, not changed')) throw new Error(`inspector: ${inspector}`);
    await page.addScriptTag({ content: axeSource });
    const axe = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes[0].target.join(' ')}`));
    if (axe.length) throw new Error(`axe-core, trace open: ${axe.join('; ')}`);
    if (page.errors.length) throw new Error(page.errors.join('; '));
    await page.close();
  });

  await check('a violating etcd trace: the monitor names it and one click goes to its line', async () => {
    const page = await open();
    await pick(page, 'etcd-two-leaders.ndjson');
    const text = await page.$eval('[data-invariants]', (e) => `${e.dataset.invariants} ${e.textContent}`);
    if (!text.startsWith('violated') || !text.includes('Election Safety')) throw new Error(`monitor: ${text}`);
    await page.click('[data-action="goto-violation"]');
    await settle(page);
    if ((await line(page)) !== 22) throw new Error(`at line ${await line(page)}, want 22`);
    const leaders = (await servers(page)).filter((s) => s.role === 'leader').map((s) => s.id).join(',');
    if (leaders !== '2,3') throw new Error(`leaders ${leaders}, want 2,3`);
    const status = await page.$eval('[data-check="election-safety"]', (e) => e.dataset.status);
    if (status !== 'violated') throw new Error(`panel says ${status}`);
    await page.close();
  });

  await check('a trace dropped on the page opens; a bad one says which line and why', async () => {
    const page = await open();
    const text = await readFile(fixtures + 'etcd-clean.ndjson', 'utf8');
    const drop = (name, body) => page.evaluate(([name, body]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([body], name));
      document.querySelector('.app').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [name, body]);
    await drop('clean.ndjson', text);
    await page.waitForSelector('[data-trace]');
    const format = await page.$eval('[data-trace]', (e) => e.textContent);
    if (!format.includes('etcd-io/raft state trace')) throw new Error(format);
    await drop('cut.jsonl', '{"format":"raft-trace","version":1,"servers":["a"]}\n{"kind":"crash","server":"a"}\n{"kind":"sta');
    await page.waitForSelector('[data-trace-error]');
    const error = await page.$eval('[data-trace-error]', (e) => e.textContent);
    if (!error.includes('line 3') || !error.includes('cut short')) throw new Error(error);
    await page.close();
  });

  await check('round trip in the browser: a downloaded run opens with the same states', async () => {
    const page = await open();
    await page.evaluate(() => { const p = window.raftPlayground; p.preset('figure8'); p.pause(); p.seek(700); });
    await settle(page);
    const live = await servers(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="download-trace"]')]);
    const text = await readFile(await download.path(), 'utf8');
    if (!text.startsWith('{"clock":"us","format":"raft-trace"') && !text.includes('"format":"raft-trace"')) throw new Error(text.slice(0, 80));
    await page.evaluate((t) => window.raftPlayground.openTrace(t), text);
    await page.waitForSelector('[data-trace]');
    await page.evaluate(() => window.raftPlayground.seek(700));
    await settle(page);
    const replayed = await servers(page);
    if (JSON.stringify(live) !== JSON.stringify(replayed)) {
      throw new Error(`live ${JSON.stringify(live)}\nreplayed ${JSON.stringify(replayed)}`);
    }
    await page.click('[data-action="close-trace"]');
    await page.waitForSelector('[data-trace]', { state: 'detached' });
    if (page.errors.length) throw new Error(page.errors.join('; '));
    await page.close();
  });
} finally {
  await browser.close();
  site.close();
}
if (failed) {
  console.log(`${failed} trace check(s) failed`);
  process.exit(1);
}

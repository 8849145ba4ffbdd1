// The page with a big trace: how long opening a trace of about 100 000 events takes (from the
// call to the panel on screen, parsing, checking and replay checkpoints included), the memory
// the page then uses, and seeks within it (to the middle, the end, back to a quarter). Prints
// figures, asserts nothing. Needs a release build and raft-sim:
//   trunk build --release && cargo build --release --bin raft-sim && node tests/e2e/trace-bench.mjs [pages, default 5]
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { serveDist, CHROMIUM_ARGS, median } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const pages = Number(process.argv[2] ?? 5);
const file = '/tmp/raft-trace-bench.jsonl';
// 150 simulated seconds of five servers and three clients: about 100 000 lines.
execFileSync(root + 'target/release/raft-sim', ['run', '--nodes', '5', '--clients', '3', '--seed', '7', '--duration', '150s', '--trace-out', file]);
const text = readFileSync(file, 'utf8');
const lines = text.split('\n').length - 2;
console.log(`trace: ${lines} events, ${(text.length / 2 ** 20).toFixed(1)} MB`);
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

const opens = [];
const seeks = [];
try {
  for (let i = 0; i < pages; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(() => localStorage.setItem('raft-playground-tour-dismissed', '1'));
    await page.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; }));
    await page.goto(site.url);
    await page.waitForSelector('[data-node]');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const open = await page.evaluate(async (t) => {
      const start = performance.now();
      window.raftPlayground.openTrace(t);
      while (!document.querySelector('[data-trace]')) await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(() => r()));
      return performance.now() - start;
    }, text);
    const times = [];
    for (const ms of [75000, 150000, 37500]) {
      times.push(await page.evaluate(async (ms) => {
        const start = performance.now();
        window.raftPlayground.seek(ms);
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return performance.now() - start;
      }, ms));
    }
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
    const wasm = await page.evaluate(() => window.__wasm.memory.buffer.byteLength);
    opens.push(open);
    seeks.push(...times);
    console.log(`page ${i + 1}: open ${open.toFixed(0)} ms; seeks to 75 s, 150 s, 37.5 s: ${times.map((t) => t.toFixed(0)).join(', ')} ms (with the frame); memory: wasm ${(wasm / 2 ** 20).toFixed(1)} MB + JS heap ${(heap / 2 ** 20).toFixed(1)} MB = ${((wasm + heap) / 2 ** 20).toFixed(1)} MB`);
    await page.close();
  }
  console.log(`open: median ${median(opens).toFixed(0)} ms (${Math.min(...opens).toFixed(0)}–${Math.max(...opens).toFixed(0)}); seeks: median ${median(seeks).toFixed(0)} ms, max ${Math.max(...seeks).toFixed(0)} ms`);
} finally {
  await browser.close();
  site.close();
}

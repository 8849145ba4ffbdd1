// Browser benchmark of the built dist/ (prints figures; asserts nothing). Needs a release build:
//   trunk build --release && node tests/e2e/bench.mjs
// Measures main-thread busy time (CDP TaskDuration over wall time) at the default speed with 5
// servers, while paused, the frame-interval p95 at 15 servers with 3 clients sending, time-travel
// seeks and the memory they leave behind, and the gzip size of what the page downloads.
import { chromium } from 'playwright-core';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { serveDist, CHROMIUM_ARGS } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; }));
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');

async function taskSeconds() {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration').value;
}

async function busyShare(label) {
  const t0 = await taskSeconds();
  const w0 = performance.now();
  await page.waitForTimeout(seconds * 1000);
  const busy = (await taskSeconds()) - t0;
  const wall = (performance.now() - w0) / 1000;
  const share = (100 * busy) / wall;
  console.log(`${label.padEnd(46)} main thread busy ${share.toFixed(1).padStart(5)}% of ${wall.toFixed(1)} s`);
  return share;
}

async function frameIntervals(label) {
  await page.evaluate(() => {
    window.__frames = [];
    let last = 0;
    const tick = (t) => {
      if (last) window.__frames.push(t - last);
      last = t;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    window.__stopFrames = false;
    requestAnimationFrame(tick);
  });
  await page.waitForTimeout(seconds * 1000);
  const frames = await page.evaluate(() => { window.__stopFrames = true; return window.__frames; });
  frames.sort((a, b) => a - b);
  const p = (q) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))];
  const late = frames.filter((f) => f > 25).length; // a frame later than 1.5 vsync periods is a dropped frame
  console.log(`${label.padEnd(46)} ${frames.length} frames, interval p50 ${p(0.5).toFixed(2)} ms, p95 ${p(0.95).toFixed(2)} ms, max ${frames[frames.length - 1].toFixed(2)} ms, dropped ${late}`);
}

const setControl = (sel, value) => page.$eval(sel, (el, v) => {
  el.value = v;
  el.dispatchEvent(new Event('change', { bubbles: true }));
}, value);

try {
  await page.goto(site.url);
  await page.waitForSelector('[data-node]');
  await page.waitForTimeout(1000);
  await busyShare('5 servers, default speed (1/50×), running');
  await page.evaluate(() => window.raftPlayground.pause());
  await busyShare('5 servers, paused');
  await page.evaluate(() => window.raftPlayground.play());
  await setControl('[data-control="nodes"]', '15');
  await setControl('[data-control="clients"]', '3');
  await page.evaluate(() => { window.raftPlayground.play(); window.raftPlayground.setSpeed(0.02); });
  await page.waitForTimeout(1000);
  await frameIntervals('15 servers, 3 clients, default speed');
  await busyShare('15 servers, 3 clients, default speed');
  await page.evaluate(() => window.raftPlayground.setSpeed(1));
  await frameIntervals('15 servers, 3 clients, 1× speed');
  await busyShare('15 servers, 3 clients, 1× speed');
  // Time travel: seek times and memory (wasm linear memory + JS heap).
  await setControl('[data-control="nodes"]', '5');
  await setControl('[data-control="clients"]', '3');
  await page.evaluate(() => window.raftPlayground.pause());
  const seek = (ms) => page.evaluate((ms) => {
    const t0 = performance.now();
    window.raftPlayground.seek(ms);
    return performance.now() - t0;
  }, ms);
  const memory = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
    const wasm = await page.evaluate(() => window.__wasm.memory.buffer.byteLength);
    return `wasm memory ${(wasm / 2 ** 20).toFixed(1)} MB + JS heap ${(heap / 2 ** 20).toFixed(1)} MB = ${((wasm + heap) / 2 ** 20).toFixed(1)} MB`;
  };
  console.log(`${'seek 0 → 10 simulated minutes (5 servers, 3 clients)'.padEnd(56)} ${(await seek(600_000)).toFixed(0)} ms`);
  console.log(`${'seek back to 5 minutes'.padEnd(56)} ${(await seek(300_000)).toFixed(0)} ms`);
  console.log(`${'seek 5 → 60 simulated minutes'.padEnd(56)} ${(await seek(3_600_000)).toFixed(0)} ms`);
  console.log(`${'memory after seeking to 1 simulated hour'.padEnd(56)} ${await memory()}`);
  console.log(`${'seek back to 59 minutes'.padEnd(56)} ${(await seek(3_540_000)).toFixed(0)} ms`);
  console.log(`${'seek back to 1 minute'.padEnd(56)} ${(await seek(60_000)).toFixed(0)} ms`);
  console.log(`${'memory after the seeks back'.padEnd(56)} ${await memory()}`);
  // The heaviest load the page allows, for an hour of simulated time: by default a seek (the
  // same simulation and checkpoints as fast-forward, in seconds); BENCH_FAST_FORWARD=1 runs the
  // page's fast-forward at 1× speed instead (about six minutes of wall time).
  await page.reload();
  await page.waitForSelector('[data-node]');
  await setControl('[data-control="nodes"]', '15');
  await setControl('[data-control="clients"]', '16');
  await setControl('[data-control="loss"]', '10');
  await setControl('[data-control="dup"]', '5');
  const heavy = '15 servers, 16 clients, 10 % loss, 5 % dup';
  if (process.env.BENCH_FAST_FORWARD) {
    await page.evaluate(() => { window.raftPlayground.setSpeed(1); window.raftPlayground.play(); });
    await page.click('[data-action="fast-forward"]');
    const t0 = performance.now();
    while ((await page.evaluate(() => window.raftPlayground.snapshot().simTimeUs)) < 3_600_000_000) {
      await page.waitForTimeout(5000);
    }
    console.log(`${(heavy + ', fast-forward to 1 h').padEnd(56)} ${((performance.now() - t0) / 1000).toFixed(0)} s wall`);
  } else {
    await page.evaluate(() => window.raftPlayground.pause());
    console.log(`${(heavy + ', seek to 1 h').padEnd(56)} ${(await seek(3_600_000)).toFixed(0)} ms`);
  }
  console.log(`${('memory, ' + heavy + ', at 1 h').padEnd(56)} ${await memory()}`);
} finally {
  await browser.close();
  site.close();
}

let total = 0;
for (const f of await readdir(root + 'dist')) {
  if (!/\.(wasm|js|css|html)$/.test(f)) continue;
  const gz = gzipSync(await readFile(root + 'dist/' + f), { level: 9 }).length;
  total += gz;
  console.log(`${f.padEnd(46)} ${(gz / 1024).toFixed(1).padStart(7)} KB gzip`);
}
console.log(`${'download total'.padEnd(46)} ${(total / 1024).toFixed(1).padStart(7)} KB gzip`);

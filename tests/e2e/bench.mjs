// Browser benchmark of the built dist/ (prints figures; asserts nothing). Needs a release build:
//   trunk build --release && node tests/e2e/bench.mjs
// With RaftScope beside the checkout (../shared/anchors/raftscope, or BENCH_RAFTSCOPE=dir) it
// measures both in the same run and prints ours as a ratio of RaftScope's; without it, ours
// alone.
//
// Busy time is the main thread's (CDP TaskDuration over wall time) with no frame counter
// running in the page, measured once a leader is elected and clients are writing (RaftScope:
// once it has a leader), as the median of BENCH_RUNS runs of BENCH_SECONDS each. Then: paused;
// frame intervals with 15 servers and 3 clients (a frame later than 25 ms counts as dropped;
// BENCH_RUNS windows, then the same page paused, whose late frames are the machine's noise;
// the compositor threads' busy share, where headless Chromium draws the motion, and Chromium's
// own count of presented and dropped frames);
// time-travel seeks (the first one in BENCH_RUNS fresh pages); memory; the heaviest load; and
// the gzip size of what the page downloads.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { serveDist, CHROMIUM_ARGS, setControl, timedSeek as seek, freshRunSeek, median } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const raftscopeDir = process.env.BENCH_RAFTSCOPE ?? root + '../shared/anchors/raftscope';
const site = await serveDist(root + 'dist');
const anchor = existsSync(raftscopeDir + '/index.html') ? await serveDist(raftscopeDir) : null;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const label = (s) => s.padEnd(56);

async function open(url, viewport = { width: 1400, height: 1000 }) {
  const page = await browser.newPage({ viewport });
  await page.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; }));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(url);
  return { page, cdp };
}

async function metric(cdp, name) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === name).value;
}

/// Main-thread busy share (%) over `seconds` of wall time.
async function busy({ page, cdp }) {
  const t0 = await metric(cdp, 'TaskDuration');
  const w0 = performance.now();
  await page.waitForTimeout(seconds * 1000);
  return (100 * ((await metric(cdp, 'TaskDuration')) - t0)) / ((performance.now() - w0) / 1000);
}

async function busyMedian(tab) {
  const shares = [];
  for (let i = 0; i < runs; i++) shares.push(await busy(tab));
  return { median: median(shares), all: shares.map((s) => s.toFixed(1)).join(', ') };
}

async function frameIntervals(page, what) {
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
  const late = frames.filter((f) => f > 25).length;
  console.log(`${label(what)} ${frames.length} frames, interval p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${frames[frames.length - 1].toFixed(1)} ms, dropped ${late}`);
}

/// From one trace of BENCH_SECONDS: the busy share (%) of the display compositor and the page's
/// compositor thread (without a GPU, headless Chromium draws every animation frame in software
/// there, off the main thread but on the same two cores), and Chromium's own account of each
/// frame (its `PipelineReporter`, what DevTools' frames track shows): presented whole, presented
/// with the main thread's part late (compositor motion still moved), or dropped.
async function drawing({ cdp }) {
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  const categories = 'devtools.timeline,disabled-by-default-devtools.timeline,disabled-by-default-devtools.timeline.frame';
  await cdp.send('Tracing.start', { categories, transferMode: 'ReturnAsStream' });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const events = JSON.parse(text).traceEvents;
  const names = new Map(events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
  const busyMs = {};
  const frames = {};
  for (const e of events) {
    if (e.ph === 'X' && e.name === 'RunTask') {
      const thread = names.get(`${e.pid}:${e.tid}`);
      busyMs[thread] = (busyMs[thread] ?? 0) + e.dur / 1000;
    } else if (e.ph === 'b' && e.name === 'PipelineReporter') {
      const state = e.args?.frame_reporter?.state ?? 'unknown';
      frames[state] = (frames[state] ?? 0) + 1;
    }
  }
  const share = (thread) => `${((busyMs[thread] ?? 0) / seconds / 10).toFixed(1)}%`;
  const n = (state) => frames[state] ?? 0;
  return `display compositor ${share('VizCompositorThread')}, page compositor ${share('Compositor')}; ` +
    `Chromium's frames: ${n('STATE_PRESENTED_ALL')} presented, ${n('STATE_PRESENTED_PARTIAL')} with the main thread late, ` +
    `${n('STATE_DROPPED')} dropped`;
}

async function memory({ page, cdp }) {
  const heap = await metric(cdp, 'JSHeapUsedSize');
  const wasm = await page.evaluate(() => window.__wasm.memory.buffer.byteLength);
  return `wasm memory ${(wasm / 2 ** 20).toFixed(1)} MB + JS heap ${(heap / 2 ** 20).toFixed(1)} MB = ${((wasm + heap) / 2 ** 20).toFixed(1)} MB`;
}

let anchorKb = null;
try {
  // Main-thread busy at the default speed, side by side.
  const ours = await open(site.url);
  await ours.page.waitForFunction(() => {
    const s = window.raftPlayground?.snapshot();
    return s && s.leader && s.clientOpsAnswered > 0;
  }, null, { timeout: 120_000 });
  const mine = await busyMedian(ours);
  console.log(`${label('5 servers, 1 client writing, default speed (1/50×)')} main thread busy ${mine.median.toFixed(1).padStart(5)}% (median of ${mine.all})`);
  if (anchor) {
    const bodies = [];
    const theirs = await open('about:blank');
    theirs.page.on('response', (r) => bodies.push(r.body().catch(() => Buffer.alloc(0))));
    await theirs.page.goto(anchor.url);
    await theirs.page.waitForFunction(() => window.state?.current?.servers?.some((s) => s.state === 'leader'), null, { timeout: 120_000 });
    const rs = await busyMedian(theirs);
    console.log(`${label('RaftScope, 5 servers, default speed, after its first election')} main thread busy ${rs.median.toFixed(1).padStart(5)}% (median of ${rs.all})`);
    console.log(`${label('busy, ours / RaftScope')} ${(mine.median / rs.median).toFixed(3)}`);
    anchorKb = (await Promise.all(bodies)).reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0) / 1024;
    await theirs.page.close();
  } else {
    console.log(`${label('RaftScope')} not found at ${raftscopeDir}: ours alone`);
  }
  await ours.page.evaluate(() => window.raftPlayground.pause());
  await ours.page.waitForTimeout(500);
  console.log(`${label('5 servers, paused')} main thread busy ${(await busy(ours)).toFixed(1).padStart(5)}%`);
  await ours.page.evaluate(() => window.raftPlayground.play());

  // Frames with 15 servers and 3 clients, once a leader is elected and the clients' requests
  // are answered: at the default speed the first election of a fresh fifteen-server run takes
  // 7–15 s of wall time, and the quiet seconds before it cost almost nothing.
  await setControl(ours.page, '[data-control="nodes"]', '15');
  await setControl(ours.page, '[data-control="clients"]', '3');
  await ours.page.evaluate(() => { window.raftPlayground.play(); window.raftPlayground.setSpeed(0.02); });
  await ours.page.waitForFunction(() => {
    const s = window.raftPlayground.snapshot();
    return s.leader && s.clientOpsAnswered > 0;
  }, null, { timeout: 120_000 });
  for (let run = 1; run <= runs; run++) await frameIntervals(ours.page, `15 servers, 3 clients, default speed (${run}/${runs})`);
  console.log(`${label('15 servers, 3 clients, default speed')} main thread busy ${(await busy(ours)).toFixed(1).padStart(5)}%`);
  console.log(`${label('15 servers, 3 clients, default speed')} ${await drawing(ours)}`);
  // The same page paused: nothing moves, so what is late here is the machine's own noise.
  await ours.page.evaluate(() => window.raftPlayground.pause());
  await frameIntervals(ours.page, '15 servers, paused (the noise floor)');
  await ours.page.evaluate(() => window.raftPlayground.play());
  await ours.page.evaluate(() => window.raftPlayground.setSpeed(1));
  await frameIntervals(ours.page, '15 servers, 3 clients, 1× speed');
  console.log(`${label('15 servers, 3 clients, 1× speed')} main thread busy ${(await busy(ours)).toFixed(1).padStart(5)}%`);
  await ours.page.close();

  // Time travel in fresh pages (the way a visitor meets it: the page open two seconds), the
  // median of BENCH_RUNS pages: single seeks on this machine vary by ±30 %. The last page
  // stays open for the rest.
  const firsts = [];
  let fresh = null;
  for (let run = 0; run < runs; run++) {
    if (fresh) await fresh.page.close();
    fresh = await open(site.url);
    await fresh.page.waitForSelector('[data-node]');
    await fresh.page.waitForTimeout(2000);
    firsts.push(await freshRunSeek(fresh.page));
  }
  console.log(`${label('fresh page: seek 0 → 10 simulated minutes (5 srv, 3 cl)')} ${median(firsts).toFixed(0)} ms (median of ${firsts.map((t) => t.toFixed(0)).join(', ')})`);
  const back = [];
  for (const ms of [300_000, 30_000, 590_000, 123_456]) back.push((await seek(fresh.page, ms)).toFixed(0));
  console.log(`${label('seek back to 5 min, 30 s, 9 min 50 s, 2 min 3 s')} ${back.join(', ')} ms`);
  console.log(`${label('seek 2 → 60 simulated minutes')} ${(await seek(fresh.page, 3_600_000)).toFixed(0)} ms`);
  console.log(`${label('memory after seeking to 1 simulated hour')} ${await memory(fresh)}`);
  const late = [];
  for (const ms of [3_540_000, 1_800_000, 60_000]) late.push((await seek(fresh.page, ms)).toFixed(0));
  console.log(`${label('seek back to 59, 30 and 1 minutes')} ${late.join(', ')} ms`);
  console.log(`${label('memory after the seeks back')} ${await memory(fresh)}`);

  // The heaviest load the page allows, for an hour of simulated time: by default a seek (the
  // same simulation and checkpoints as fast-forward, in seconds); BENCH_FAST_FORWARD=1 runs the
  // page's fast-forward at 1× speed instead (about six minutes of wall time).
  await fresh.page.reload();
  await fresh.page.waitForSelector('[data-node]');
  await setControl(fresh.page, '[data-control="nodes"]', '15');
  await setControl(fresh.page, '[data-control="clients"]', '16');
  await setControl(fresh.page, '[data-control="loss"]', '10');
  await setControl(fresh.page, '[data-control="dup"]', '5');
  const heavy = '15 servers, 16 clients, 10 % loss, 5 % dup';
  if (process.env.BENCH_FAST_FORWARD) {
    await fresh.page.evaluate(() => { window.raftPlayground.setSpeed(1); window.raftPlayground.play(); });
    await fresh.page.click('[data-action="fast-forward"]');
    const t0 = performance.now();
    while ((await fresh.page.evaluate(() => window.raftPlayground.snapshot().simTimeUs)) < 3_600_000_000) {
      await fresh.page.waitForTimeout(5000);
    }
    console.log(`${label(heavy + ', fast-forward to 1 h')} ${((performance.now() - t0) / 1000).toFixed(0)} s wall`);
  } else {
    await fresh.page.evaluate(() => window.raftPlayground.pause());
    console.log(`${label(heavy + ', seek to 1 h')} ${(await seek(fresh.page, 3_600_000)).toFixed(0)} ms`);
  }
  console.log(`${label('memory, ' + heavy + ', at 1 h')} ${await memory(fresh)}`);
} finally {
  await browser.close();
  site.close();
  anchor?.close();
}

let total = 0;
for (const f of await readdir(root + 'dist')) {
  if (!/\.(wasm|js|css|html)$/.test(f)) continue;
  const gz = gzipSync(await readFile(root + 'dist/' + f), { level: 9 }).length;
  total += gz;
  console.log(`${label(f)} ${(gz / 1024).toFixed(1).padStart(7)} KB gzip`);
}
console.log(`${label('download total')} ${(total / 1024).toFixed(1).padStart(7)} KB gzip`);
if (anchorKb !== null) {
  console.log(`${label('RaftScope download (everything its page loaded)')} ${anchorKb.toFixed(1).padStart(7)} KB gzip`);
}

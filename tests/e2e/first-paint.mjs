// The first paint on a slow network, ours against RaftScope in the same run: headless Chromium
// with the cache off and the network throttled through the DevTools protocol
// (Network.emulateNetworkConditions), each site served gzipped from 127.0.0.1. For each profile
// and site it prints when the first server was on screen and when the first leader was (ms
// after navigation), and the bytes that crossed the wire.
//   node tests/e2e/first-paint.mjs [OTHER_DIST]   (OTHER_DIST: an older build, measured too)
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { serveDist, CHROMIUM_ARGS } from './serve.mjs';

// DevTools' "Fast 3G" (562.5 ms, 1.6 Mb/s down and 750 kb/s up, each × 0.9), and Lighthouse's
// "Slow 4G" (150 ms, 1.6384 Mb/s down, 675 kb/s up).
const PROFILES = {
  'Fast 3G': { latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 },
  'Slow 4G': { latency: 150, downloadThroughput: 204_800, uploadThroughput: 84_375 },
};
const TIMEOUT_MS = 60_000;
const root = new URL('../../', import.meta.url).pathname;
const raftscopeDir = process.env.BENCH_RAFTSCOPE ?? root + '../shared/anchors/raftscope';
const sites = [['ours', root + 'dist']];
if (process.argv[2]) sites.push(['ours (other build)', process.argv[2]]);
if (existsSync(raftscopeDir + '/index.html')) sites.push(['RaftScope', raftscopeDir]);

// Records, from the document's start, when the first server and the first leader appear:
// ours draws `.server` groups (the static first frame, then the app) and `[data-role=leader]`;
// RaftScope draws `g.server`, with class `leader` on the leader.
const WATCH = () => {
  const seen = {};
  const look = () => {
    const t = performance.now();
    if (!seen.server && document.querySelector('svg .server')) seen.server = t;
    if (!seen.leader && document.querySelector('[data-role="leader"], g.server.leader')) seen.leader = t;
    window.__firstPaint = seen;
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
};

async function measure(browser, url, profile) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript(() => localStorage.setItem('raft-playground-tour-dismissed', '1'));
  const page = await context.newPage();
  await page.addInitScript(WATCH);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile });
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__firstPaint?.leader, null, { timeout: TIMEOUT_MS, polling: 50 });
  const seen = await page.evaluate(() => window.__firstPaint);
  await context.close();
  return { ...seen, bytes };
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const servers = [];
try {
  for (const [name, profile] of Object.entries(PROFILES)) {
    for (const [site, dir] of sites) {
      const server = await serveDist(dir, { gzip: true });
      servers.push(server);
      const r = await measure(browser, server.url, profile);
      console.log(`${name.padEnd(8)} ${site.padEnd(20)} first server ${r.server.toFixed(0).padStart(6)} ms · first leader ${r.leader.toFixed(0).padStart(6)} ms · ${(r.bytes / 1024).toFixed(1).padStart(6)} KB over the wire`);
    }
  }
} finally {
  await browser.close();
  for (const s of servers) s.close();
}

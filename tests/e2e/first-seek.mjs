// The first time travel of fresh pages, the figure issue 10 asks to bring under 100 ms: each
// page opens, waits two seconds, switches to three clients (a fresh run), pauses and seeks to
// ten simulated minutes, then does it twice more on fresh runs (warm). Prints every page's
// three seeks and the median of the first ones. Needs a release build:
//   trunk build --release && node tests/e2e/first-seek.mjs [pages, default 8]
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const pages = Number(process.argv[2] ?? 8);
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const clients = (page, n) => page.$eval('[data-control="clients"]', (el, n) => {
  el.value = n;
  el.dispatchEvent(new Event('change', { bubbles: true }));
}, n);
const seek = (page) => page.evaluate(() => {
  const t0 = performance.now();
  window.raftPlayground.seek(600_000);
  return performance.now() - t0;
});

const firsts = [];
try {
  for (let i = 0; i < pages; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(site.url);
    await page.waitForSelector('[data-node]');
    await page.waitForTimeout(2000);
    const times = [];
    for (let k = 0; k < 3; k++) {
      if (k > 0) await clients(page, '2'); // a fresh run each time, of three clients again
      await clients(page, '3');
      await page.evaluate(() => window.raftPlayground.pause());
      times.push(await seek(page));
    }
    firsts.push(times[0]);
    console.log(`page ${i + 1}: seeks to 10 simulated minutes ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    await page.close();
  }
  firsts.sort((a, b) => a - b);
  console.log(`first seeks ${firsts[0].toFixed(0)}–${firsts.at(-1).toFixed(0)} ms, median ${firsts[Math.floor(firsts.length / 2)].toFixed(0)} ms`);
} finally {
  await browser.close();
  site.close?.();
}

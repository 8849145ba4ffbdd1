// The first time travel of fresh pages, the figure issue 10 asks to bring under 100 ms: each
// page opens, waits two seconds, switches to three clients (a fresh run), pauses and seeks to
// ten simulated minutes, then does it twice more on fresh runs (warm). Prints every page's
// three seeks and the median of the first ones. Needs a release build:
//   trunk build --release && node tests/e2e/first-seek.mjs [pages, default 8]
// Given two built sites, it compares them, alternating pages between the two so that the
// machine's drift (±30 % on single seeks) falls on both alike, and prints each one's median:
//   node tests/e2e/first-seek.mjs 8 /tmp/dist-a /tmp/dist-b
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS, setControl, freshRunSeek, median } from './serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const pages = Number(process.argv[2] ?? 8);
const dirs = process.argv.length > 4 ? process.argv.slice(3, 5) : [root + 'dist'];
const sites = await Promise.all(dirs.map((d) => serveDist(d)));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

const firsts = dirs.map(() => []);
const all = dirs.map(() => []);
try {
  for (let i = 0; i < pages * dirs.length; i++) {
    const which = i % dirs.length;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(sites[which].url);
    await page.waitForSelector('[data-node]');
    await page.waitForTimeout(2000);
    const times = [];
    for (let k = 0; k < 3; k++) {
      // A fresh run each time, of three clients again.
      if (k > 0) await setControl(page, '[data-control="clients"]', '2');
      times.push(await freshRunSeek(page));
    }
    firsts[which].push(times[0]);
    all[which].push(...times);
    const name = dirs.length > 1 ? `${dirs[which]} ` : '';
    console.log(`${name}page ${Math.floor(i / dirs.length) + 1}: seeks to 10 simulated minutes ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    await page.close();
  }
  dirs.forEach((dir, w) => {
    const f = firsts[w];
    const name = dirs.length > 1 ? `${dir}: ` : '';
    console.log(`${name}first seeks ${Math.min(...f).toFixed(0)}–${Math.max(...f).toFixed(0)} ms, median ${median(f).toFixed(0)} ms; all ${all[w].length} seeks median ${median(all[w]).toFixed(0)} ms`);
  });
} finally {
  await browser.close();
  sites.forEach((s) => s.close?.());
}

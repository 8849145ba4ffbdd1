// Every story's beats, played with Next in headless Chromium against the built dist/: the wall
// time from each click to the beat's pause, in ms, one line per story (the lessons issue asks
// for at most 8 s each). `node tests/e2e/beats.mjs [preset…]`; exits 1 if any beat is over.
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS, playStory } from './serve.mjs';

const PRESETS = ['figure8', 'split-vote', 'leader-isolated', 'figure7', 'disruptive-server', 'stale-read', 'transfer',
  'membership-bug', 'add-server', 'remove-leader', 'joint-consensus'];
const LIMIT_MS = 8000;
const root = new URL('../../', import.meta.url).pathname;
const site = await serveDist(root + 'dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
let over = 0;
try {
  for (const preset of process.argv.length > 2 ? process.argv.slice(2) : PRESETS) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(() => localStorage.setItem('raft-playground-tour-dismissed', '1'));
    await page.goto(site.url);
    await page.waitForSelector('[data-node]');
    const walls = await playStory(page, preset);
    over += walls.filter((ms) => ms > LIMIT_MS).length;
    console.log(`${preset.padEnd(18)} ${walls.map((ms) => String(ms).padStart(5)).join(' ')}   max ${Math.max(...walls)}`);
    await page.close();
  }
} finally {
  await browser.close();
  site.close();
}
console.log(over ? `${over} beats over ${LIMIT_MS} ms` : `every beat within ${LIMIT_MS} ms`);
process.exit(over ? 1 : 0);

// A tiny static server for dist/ on a free loopback port (no network beyond 127.0.0.1), and the
// page helpers the measuring scripts share.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/// `gzip`: compress what the browser accepts compressed, as a real host would (the slow-network
/// measurements need the bytes that really cross the wire).
export async function serveDist(dir, { gzip = false } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
      if (gzip && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
        res.end(gzipSync(body, { level: 9 }));
        return;
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/// Sets a `<select>` or `<input>` as a person would, firing its change event.
export const setControl = (page, sel, value) => page.$eval(sel, (el, v) => {
  el.value = v;
  el.dispatchEvent(new Event('change', { bubbles: true }));
}, value);

/// Time travel through the console API to `ms` simulated milliseconds; returns the page's time
/// for it in milliseconds (the seek alone: the redraw comes after, in a microtask).
export const timedSeek = (page, ms) => page.evaluate((ms) => {
  const t0 = performance.now();
  window.raftPlayground.seek(ms);
  return performance.now() - t0;
}, ms);

/// The figure issue 10 asks about: a fresh run of five servers and three clients, paused and
/// sought to ten simulated minutes.
export async function freshRunSeek(page) {
  await setControl(page, '[data-control="clients"]', '3');
  await page.evaluate(() => window.raftPlayground.pause());
  return timedSeek(page, 600_000);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/// Whether the element lies wholly inside the viewport (nothing to scroll to see it).
export const inView = (page, sel) => page.$$eval(sel, (els) => els.map((e) => {
  const r = e.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5;
}));

/// Plays a story from its first beat to its last with Next; after each beat calls `at(beat)`.
/// Returns each beat's wall time from the click to the pause, in ms.
export async function playStory(page, preset, { bug = false, at = async () => {} } = {}) {
  await page.click('[data-action="settings"]');
  await page.click(`[data-preset="${preset}"]`);
  await page.waitForSelector('[data-caption]');
  if (bug) await page.click('[data-action="tour-bug"]');
  const beats = Number(await page.$eval('[data-caption]', (e) => e.dataset.beats));
  const walls = [];
  await at(0);
  for (let beat = 1; beat < beats; beat++) {
    const t0 = Date.now();
    await page.click('[data-action="tour-next"]');
    await page.waitForFunction((b) => document.querySelector('[data-caption]').dataset.beat === String(b), beat, { timeout: 20000 });
    walls.push(Date.now() - t0);
    await at(beat);
  }
  return walls;
}

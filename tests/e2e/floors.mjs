// What the download cannot go below with this design: the smallest Yew page
// (examples/yew_floor.rs), the simulator without a page (examples/sim_floor.rs) and the
// smallest Yew page that runs it (examples/page_floor.rs), each built like the page (profile
// wasm-release, wasm-bindgen, wasm-opt -Oz) and gzipped at level 9.
//   node tests/e2e/floors.mjs          (needs wasm-bindgen and tests/e2e/node_modules/.bin on PATH)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('../../', import.meta.url).pathname;
const features = ['--enable-simd', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-reference-types',
  '--enable-sign-ext', '--enable-multivalue', '--enable-mutable-globals'];
const kb = (bytes) => (gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1).padStart(6);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

for (const [example, what] of [['yew_floor', 'Yew, one component'], ['sim_floor', 'the simulator, no page'],
  ['page_floor', 'Yew page running a seek']]) {
  run('cargo', ['build', '--locked', '--quiet', '--example', example, '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release']);
  const out = mkdtempSync(join(tmpdir(), 'floor-'));
  const built = join(root, 'target/wasm32-unknown-unknown/wasm-release/examples', `${example}.wasm`);
  run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', example, built]);
  run('wasm-opt', ['-Oz', ...features, join(out, `${example}_bg.wasm`), '-o', join(out, 'opt.wasm')]);
  const wasm = readFileSync(join(out, 'opt.wasm'));
  const js = readFileSync(join(out, `${example}.js`));
  console.log(`${what.padEnd(28)} wasm ${kb(wasm)} KB gzip (${(wasm.length / 1024).toFixed(0)} KB raw), JS ${kb(js)} KB gzip`);
}

// What makes the wasm big: the largest functions and the bytes of code per crate, read from the
// name section of the module rustc writes before wasm-bindgen and wasm-opt strip the names.
//   trunk build --release && node tests/e2e/wasm-size.mjs [path.wasm] [rows]
// (default: target/wasm32-unknown-unknown/wasm-release/raft-playground.wasm, 25 rows). Sizes are
// of function bodies before wasm-opt, which shrinks them by roughly a fifth; the ranking holds.
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;
const path = process.argv[2] ?? root + 'target/wasm32-unknown-unknown/wasm-release/raft-playground.wasm';
const rows = Number(process.argv[3] ?? 25);
const bytes = readFileSync(path);

let at = 8;
const leb = () => {
  let value = 0, shift = 0, byte;
  do { byte = bytes[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return value;
};
const name = () => { const n = leb(); const s = bytes.toString('utf8', at, at + n); at += n; return s; };

let imports = 0;
const bodies = [];
const names = new Map();
while (at < bytes.length) {
  const id = bytes[at++];
  const size = leb();
  const end = at + size;
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      name(); name();
      const kind = bytes[at++];
      if (kind === 0) { leb(); imports++; } else if (kind === 1) { at++; const f = leb(); leb(); if (f & 1) leb(); } else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); } else { at += 2; }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) { const len = leb(); bodies.push(len); at += len; }
  } else if (id === 0 && name() === 'name') {
    while (at < end) {
      const sub = bytes[at++];
      const len = leb();
      const next = at + len;
      if (sub === 1) for (let n = leb(); n > 0; n--) { const index = leb(); names.set(index, name()); }
      at = next;
    }
  }
  at = end;
}

// Legacy (_ZN…E) symbols demangle simply; v0 (_R…) ones are named by the crates they mention.
function demangle(sym) {
  if (sym.startsWith('_ZN')) {
    const parts = [];
    let i = 3;
    while (/\d/.test(sym[i])) {
      let j = i;
      while (/\d/.test(sym[j])) j++;
      const len = Number(sym.slice(i, j));
      parts.push(sym.slice(j, j + len));
      i = j + len;
    }
    if (/^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
    return parts.join('::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ')
      .replace(/\$RF\$/g, '&').replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}').replace(/\.\./g, '::');
  }
  return sym;
}
function crate(fn) {
  const plain = fn.match(/^_?<?&?([a-z_0-9]+)::/);
  if (plain) return plain[1];
  const v0 = [...fn.matchAll(/Cs[0-9a-zA-Z]+_(\d+)([a-z_0-9]+)/g)].map((m) => m[2].slice(0, Number(m[1])));
  return v0.length ? v0[0] : 'other';
}

const fns = bodies.map((size, i) => ({ size, fn: demangle(names.get(i + imports) ?? `#${i}`) }));
const total = fns.reduce((n, f) => n + f.size, 0);
const kb = (n) => (n / 1024).toFixed(1).padStart(7);
console.log(`${path}: ${fns.length} functions, ${kb(total)} KB of code (before wasm-opt)\n`);
console.log('largest functions');
for (const f of [...fns].sort((a, b) => b.size - a.size).slice(0, rows)) console.log(`${kb(f.size)} KB  ${f.fn.slice(0, 110)}`);
const perCrate = new Map();
for (const f of fns) perCrate.set(crate(f.fn), (perCrate.get(crate(f.fn)) ?? 0) + f.size);
console.log('\ncode per crate');
for (const [c, n] of [...perCrate].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${kb(n)} KB  ${c}`);
const share = (re) => fns.filter((f) => re.test(f.fn)).reduce((n, f) => n + f.size, 0);
console.log('\nacross crates');
for (const [what, re] of [['float formatting and parsing, libm', /float|flt2dec|dec2flt|libm/], ['Debug and Display machinery', /fmt|Debug|Display/],
  ['the page (ui::)', /::ui::/], ['the world and checker (sim::)', /::sim::/], ['the Raft module (raft::)', /::raft::/]]) {
  console.log(`${kb(share(re))} KB  ${what}`);
}

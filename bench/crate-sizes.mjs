// What each crate costs in the wasm bundle: sums the size of every function body by the crate its
// name starts in. It needs a build that keeps the "name" section (`make crate-sizes` makes one:
// a release build without wasm-opt, which is the step that strips names), so the figures are
// before wasm-opt; the shipped bundle is smaller, in roughly the same proportions.
// Generic code is counted in the crate that defines it, wherever it was instantiated.
//
//   node bench/crate-sizes.mjs target/sizes-dist [--top 25]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const args = process.argv.slice(2);
const target = args.find((a) => !a.startsWith('--'));
const top = Number(args[args.indexOf('--top') + 1]) || 25;
if (!target) {
  console.error('usage: node bench/crate-sizes.mjs <dist folder or .wasm file> [--top N]');
  process.exit(2);
}
const file = statSync(target).isDirectory()
  ? path.join(target, readdirSync(target).find((f) => f.endsWith('.wasm')) ?? '')
  : target;
const bytes = readFileSync(file);

let pos = 0;
const u8 = () => bytes[pos++];
const leb = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = u8();
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return result;
    shift += 7;
  }
};
const str = () => {
  const n = leb();
  const s = bytes.toString('utf8', pos, pos + n);
  pos += n;
  return s;
};

if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a wasm module`);
pos = 8;
let imported = 0;
const bodies = []; // [start, size] per defined function
const names = new Map();
while (pos < bytes.length) {
  const id = u8();
  const size = leb();
  const end = pos + size;
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      str();
      str();
      const kind = u8();
      if (kind === 0) { leb(); imported++; }
      else if (kind === 1) { u8(); const f = u8(); leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = u8(); leb(); if (f & 1) leb(); }
      else if (kind === 3) { u8(); u8(); }
      else if (kind === 4) { u8(); leb(); }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) {
      const s = leb();
      bodies.push(s);
      pos += s;
    }
  } else if (id === 0) {
    const name = str();
    if (name === 'name') {
      while (pos < end) {
        const sub = u8();
        const len = leb();
        const subEnd = pos + len;
        if (sub === 1) for (let n = leb(); n > 0; n--) names.set(leb(), str());
        pos = subEnd;
      }
    }
  }
  pos = end;
}
if (!names.size) {
  console.error(`${file} has no function names; build it with \`make crate-sizes\` (wasm-opt strips them)`);
  process.exit(1);
}

const STD = new Set(['core', 'alloc', 'std', 'compiler_builtins', 'dlmalloc', 'hashbrown', 'panic_abort']);
const crateOf = (name) => {
  const m = name.match(/(?:^|[<\s&*(])([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/);
  if (!m) return name.startsWith('__wbg') || name.startsWith('__wbindgen') ? 'wasm_bindgen (glue)' : '(unnamed)';
  return STD.has(m[1]) ? 'std (core, alloc, dlmalloc, hashbrown)' : m[1];
};
const byCrate = new Map();
let total = 0;
bodies.forEach((size, i) => {
  const crate = crateOf(names.get(imported + i) ?? '');
  const c = byCrate.get(crate) ?? { size: 0, fns: 0 };
  c.size += size;
  c.fns += 1;
  byCrate.set(crate, c);
  total += size;
});
const kib = (n) => (n / 1024).toFixed(1).padStart(8);
const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`${path.basename(file)}: ${kib(bytes.length)} KiB raw (${kib(br).trim()} KiB brotli), function bodies ${kib(total).trim()} KiB in ${bodies.length} functions`);
console.log(`crate                                      code KiB   share  functions`);
for (const [crate, c] of [...byCrate].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  console.log(`${crate.padEnd(42)} ${kib(c.size)}  ${((100 * c.size) / total).toFixed(1).padStart(5)}%  ${String(c.fns).padStart(9)}`);
}

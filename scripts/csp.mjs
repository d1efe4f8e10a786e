// Trunk post-build hook: writes a strict Content-Security-Policy into index.html. The only inline
// script is Trunk's loader, allowed by its hash; WebAssembly needs 'wasm-unsafe-eval'; Leptos sets
// style attributes, so inline styles are allowed for attributes only. Hosts should also send the
// same policy as a header (docs/hosting.md), which can add frame-ancestors.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Dev builds (`trunk serve`) inject an autoreload script the policy would block.
if (process.env.TRUNK_PROFILE && process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) {
  console.error('csp: no TRUNK_STAGING_DIR');
  process.exit(1);
}
const file = path.join(dir, 'index.html');
let html = readFileSync(file, 'utf8');
const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  (m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
);
export const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  // The HTTP backend may live on any origin the operator configures, unless the build is told
  // which (RAPPORT_CONNECT_SRC="https://rapport.example"): then only there.
  process.env.RAPPORT_CONNECT_SRC ? `connect-src 'self' ${process.env.RAPPORT_CONNECT_SRC}` : "connect-src 'self' http: https:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
html = html.replace(/<meta http-equiv="?Content-Security-Policy"?[^>]*>/i, '');
html = html.replace(/(<meta charset=[^>]*>)/i, `$1${meta}`);
writeFileSync(file, html);
console.log(`csp: ${hashes.length} inline script hash(es) written`);

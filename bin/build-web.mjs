#!/usr/bin/env node
// Builds the front end (web/: the operator console and the customer portal) with Vite into dist/web/,
// where the gateway serves it. `--if-stale` builds only when a file under web/
// is newer than the last build, so `npm test` on a fresh clone builds it once
// and costs nothing after.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const out = join(root, 'dist', 'web');
const stamp = join(out, '.built-from');

function newest(dir) {
  let at = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    at = Math.max(at, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return at;
}

const started = Math.max(newest(web), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (process.argv.includes('--if-stale')) {
  try {
    if (Number(readFileSync(stamp, 'utf8')) >= started) process.exit(0);
  } catch {
    // never built: build now
  }
}
let vite;
try {
  vite = await import('vite');
} catch {
  process.stderr.write('sluice build: vite is not installed (npm install without --omit=dev); the console is not built\n');
  process.exit(0);
}
await vite.build({
  root: web,
  base: '/console/',
  configFile: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: out,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    // Two pages, one build: they share the components' chunks and the hashed assets under /console/assets/.
    rollupOptions: { input: { console: join(web, 'index.html'), portal: join(web, 'portal', 'index.html') } },
  },
});
writeFileSync(stamp, String(started));

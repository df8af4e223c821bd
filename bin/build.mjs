#!/usr/bin/env node
// Compiles src/ to dist/ (plain JavaScript, same layout, migrations copied beside
// their store) so that `npm start` and `bin/sluice` run without the TypeScript
// loader: it costs ~40 MiB of memory and the start-up compile. `bin/sluice`
// uses dist/ only while it is newer than every file in src/, and falls back to
// the sources otherwise, so an edit is never run stale.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource } from './freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('sluice build: typescript is not installed (npm install without --omit=dev); running from the sources\n');
  process.exit(0);
}
const started = newestSource(root);
rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('sluice build: tsc failed\n');
  process.exit(1);
}
for (const dialect of ['sqlite', 'postgres']) {
  const from = join(root, 'src', 'store', dialect, 'migrations');
  if (existsSync(from)) cpSync(from, join(root, 'dist', 'store', dialect, 'migrations'), { recursive: true });
}
// The front end (web/) goes to dist/web/, where the gateway serves the console from.
const web = spawnSync(process.execPath, [join(root, 'bin', 'build-web.mjs')], { stdio: 'inherit' });
if (web.status !== 0) {
  process.stderr.write('sluice build: the console build failed\n');
  process.exit(1);
}
// The newest source time this build saw: an edit made while it ran is newer and makes dist/ stale.
writeFileSync(join(root, 'dist', '.built-from'), String(started));

import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { distIsFresh, newestSource } from '../../bin/freshness.mjs';
import { tempDir } from '../helpers/gateway.ts';

test('bin/sluice runs dist/ only while it was built from the sources as they are', () => {
  const tmp = tempDir('sluice-fresh-');
  try {
    const root = tmp.dir;
    mkdirSync(join(root, 'src', 'store'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    const file = join(root, 'src', 'store', 'a.ts');
    writeFileSync(file, 'export {};\n');
    utimesSync(file, new Date(1_000_000), new Date(1_000_000));
    assert.equal(distIsFresh(root), false, 'no build stamp: never built');
    writeFileSync(join(root, 'dist', '.built-from'), String(newestSource(root)));
    assert.equal(distIsFresh(root), true);
    utimesSync(file, new Date(2_000_000), new Date(2_000_000));
    assert.equal(distIsFresh(root), false, 'a source edited after the build makes it stale');
    writeFileSync(join(root, 'dist', '.built-from'), 'garbage');
    assert.equal(distIsFresh(root), false);
  } finally {
    tmp.remove();
  }
});

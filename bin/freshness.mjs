import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The latest modification time (ms) of any file under src/. */
export function newestSource(root) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  return newest;
}

/** Whether dist/ was built from the sources as they are now. */
export function distIsFresh(root) {
  try {
    return Number(readFileSync(join(root, 'dist', '.built-from'), 'utf8')) >= newestSource(root);
  } catch {
    return false;
  }
}

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProfileEntry, ProfileSummary } from './figures.ts';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The newest `.cpuprofile` under `dir`, or undefined. */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Where a frame's code lives: a file of ours, a package, Node itself, or V8's own buckets. */
function areaOf(url: string, fn: string): string {
  if (url === '') return `(${fn || 'native'})`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  if (url.startsWith('node:')) return url;
  const src = /\/(src|bench|bin)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

/**
 * tsx runs our TypeScript as whitespace-minified JavaScript, so a profile's
 * line numbers say nothing (everything is on line 1). tsx keeps each compiled
 * file with its source map in its cache directory: read the newest map for a
 * file and turn the profile's (line, column) back into the TypeScript line.
 */
class TsxMaps {
  private readonly maps = new Map<string, SourceMap | null>();
  private index: Map<string, string[]> | undefined;
  private readonly dir = join(tmpdir(), `tsx-${process.getuid?.() ?? 0}`);

  private files(path: string): string[] {
    if (!this.index) {
      this.index = new Map();
      const names = existsSync(this.dir) ? readdirSync(this.dir) : [];
      for (const name of names) {
        const text = readFileSync(join(this.dir, name), 'utf8');
        const match = /"sources":\["([^"]+)"\]/.exec(text);
        if (match?.[1]) this.index.set(match[1], [...(this.index.get(match[1]) ?? []), name]);
      }
    }
    return this.index.get(path) ?? [];
  }

  originalLine(url: string, line: number, column: number): number | undefined {
    if (!url.startsWith('file://')) return undefined;
    const path = fileURLToPath(url);
    if (!this.maps.has(path)) {
      const newest = this.files(path).sort((a, b) => statSync(join(this.dir, b)).mtimeMs - statSync(join(this.dir, a)).mtimeMs)[0];
      let map: SourceMap | null = null;
      if (newest) {
        const entry = JSON.parse(readFileSync(join(this.dir, newest), 'utf8')) as { map?: string | object };
        const payload = typeof entry.map === 'string' ? JSON.parse(entry.map) : entry.map;
        if (payload) map = new SourceMap(payload as ConstructorParameters<typeof SourceMap>[0]);
      }
      this.maps.set(path, map);
    }
    const entry = this.maps.get(path)?.findEntry(line, column) as { originalLine?: number } | undefined;
    return entry?.originalLine === undefined ? undefined : entry.originalLine + 1;
  }
}

/** Self time per function and per area, top `limit` of each. */
export function summarizeProfile(file: string, cwd: string, limit = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byNode = new Map<number, CpuProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  const maps = new TsxMaps();
  for (const [id, us] of selfUs) {
    const frame = (byNode.get(id) as CpuProfileNode).callFrame;
    const area = areaOf(frame.url, frame.functionName);
    const line = maps.originalLine(frame.url, frame.lineNumber, frame.columnNumber) ?? frame.lineNumber + 1;
    const where = frame.url ? `${area}:${line}` : area;
    const key = `${frame.functionName || '(anonymous)'} ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  const top = (m: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([what, us]) => ({ what, selfMs: Math.round(us / 1000), percent: Math.round((us / total) * 1000) / 10 }));
  return { file: relative(cwd, file), totalMs: Math.round(total / 1000), byFunction: top(fns), byArea: top(areas) };
}

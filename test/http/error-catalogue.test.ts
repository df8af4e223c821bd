import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { CATALOGUE, SURFACES, statusesOf, type Surface } from '../../src/error-catalogue.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CATALOGUE_FILE = join('src', 'error-catalogue.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const sources = sourceFiles(join(ROOT, 'src'))
  .map((path) => ({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') }))
  .filter((s) => s.file !== CATALOGUE_FILE);

/** The catalogue helpers and the surface whose codes each takes as its first argument. */
const HELPERS: Record<string, Surface> = {
  apiError: 'api',
  apiAnswer: 'api',
  sendApiError: 'api',
  ingestAnswer: 'ingest',
  sendIngestError: 'ingest',
  errorReply: 'ingest',
};

/** The doc's tables, by surface: each row's code and statuses. */
function documented(): Record<Surface, Map<string, string>> {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const sections = doc.split(/^## /m).slice(1);
  const out = {} as Record<Surface, Map<string, string>>;
  for (const surface of Object.keys(SURFACES) as Surface[]) {
    const section = sections.find((s) => s.split('\n')[0]?.trim() === SURFACES[surface].title);
    assert.ok(section, `docs/errors.md has a "## ${SURFACES[surface].title}" section`);
    const rows = new Map<string, string>();
    for (const m of section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)) rows.set(m[1] as string, (m[2] as string).trim());
    out[surface] = rows;
  }
  return out;
}

test('errors: every code the sources answer with is in the catalogue of its surface', () => {
  const call = new RegExp(`\\b(${Object.keys(HELPERS).join('|')})\\(\\s*'([^']+)'`, 'g');
  const missing: string[] = [];
  let seen = 0;
  for (const { file, text } of sources) {
    for (const m of text.matchAll(call)) {
      seen++;
      const surface = HELPERS[m[1] as string] as Surface;
      if (!((m[2] as string) in CATALOGUE[surface])) missing.push(`${file}: ${m[1]}('${m[2]}') is not in the ${surface} catalogue`);
    }
  }
  assert.ok(seen > 40, `the scan finds the call sites (${seen})`);
  assert.deepEqual(missing, []);
});

test('errors: no answer is made outside the catalogue (no HttpError by hand, no error body by hand)', () => {
  const byHand: string[] = [];
  for (const { file, text } of sources) {
    if (file === join('src', 'errors.ts')) continue;
    for (const m of text.matchAll(/new HttpError\(/g)) byHand.push(`${file}: new HttpError( at ${m.index}`);
    // An error body written as a literal: `{ code: 'x', detail … }` or `{ error: 'x', reason … }`.
    for (const m of text.matchAll(/\{\s*(code|error):\s*'([A-Za-z_]+)',\s*(detail|reason)\b/g))
      byHand.push(`${file}: { ${m[1]}: '${m[2]}', ${m[3]} } written by hand`);
  }
  assert.deepEqual(byHand, []);
});

test('errors: docs/errors.md lists every catalogue entry with its status, and nothing else', () => {
  const doc = documented();
  const problems: string[] = [];
  for (const surface of Object.keys(SURFACES) as Surface[]) {
    const rows = doc[surface];
    for (const [code, entry] of Object.entries(CATALOGUE[surface])) {
      const status = rows.get(code);
      const want = statusesOf(entry).join(', ');
      if (status === undefined) problems.push(`${surface}: ${code} is not in docs/errors.md`);
      else if (status !== want) problems.push(`${surface}: ${code} is documented as ${status}, the catalogue says ${want}`);
    }
    for (const code of rows.keys()) if (!(code in CATALOGUE[surface])) problems.push(`${surface}: docs/errors.md lists ${code}, unknown`);
  }
  assert.deepEqual(problems, []);
});

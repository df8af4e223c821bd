import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Arrows point down: src/store/ and src/config/ sit at the bottom of the
 * import graph, nothing runs back up from them, and no two files import each
 * other. The graph is read from the sources' syntax (TypeScript's parser: every
 * import, export-from and import() with a literal specifier), nothing built or run.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Edge {
  /** The specifier as written. */
  spec: string;
  /** The file it names, relative to the repository (`src/…`), for a relative specifier; `null` for a package or builtin. */
  target: string | null;
  /** `import type` / `export type`: erased when compiled. */
  typeOnly: boolean;
}

/** Every specifier a module names (imports, export-froms, `import()` and `import('…').T` with a literal), with whether it is type-only. */
function specifiers(text: string): Array<{ spec: string; typeOnly: boolean }> {
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node) ? (node.importClause?.isTypeOnly ?? false) : node.isTypeOnly;
      found.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) found.push({ spec: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('module.ts', text, ts.ScriptTarget.Latest, true));
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const posix = (path: string) => path.split(sep).join('/');

/** `src/…` file → its edges. A relative specifier that names no file is a failure of its own (it would hide an edge). */
function readGraph(): { graph: Map<string, Edge[]>; unresolved: string[] } {
  const graph = new Map<string, Edge[]>();
  const unresolved: string[] = [];
  for (const file of tsFiles(join(root, 'src'))) {
    const from = posix(relative(root, file));
    const edges: Edge[] = [];
    for (const { spec, typeOnly } of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        edges.push({ spec, target: null, typeOnly });
        continue;
      }
      const path = resolve(dirname(file), spec);
      const hit = [path, path.replace(/\.js$/, '.ts'), join(path, 'index.ts')].find((p) => existsSync(p) && statSync(p).isFile());
      if (!hit) unresolved.push(`${from} imports '${spec}', which names no file`);
      else edges.push({ spec, target: posix(relative(root, hit)), typeOnly });
    }
    graph.set(from, edges);
  }
  return { graph, unresolved };
}

const { graph, unresolved } = readGraph();

/**
 * What src/config/ may import from outside itself, each for a reason. Every
 * one is a store file, and the store imports nothing outside the store, so
 * none of them leads back up.
 */
const CONFIG_EXCEPTIONS: ReadonlyArray<{ target: string; typeOnly: boolean; reason: string }> = [
  {
    target: 'src/store/url.ts',
    typeOnly: false,
    reason:
      'a pure parser with no imports: the storage URL is the store`s to interpret (openStore parses it), and config checks storage.url with the same parser instead of a copy',
  },
  {
    target: 'src/store/records.ts',
    typeOnly: true,
    reason:
      'the shapes of the stored records (FilterDocument, Transformation, the ordering and signature policies) that config values are read into; types only, and the file imports nothing',
  },
  {
    target: 'src/store/health.ts',
    typeOnly: true,
    reason:
      'HealthPolicy, the breaker policy config reads and the store applies; types only, and the file imports nothing outside the store',
  },
];

function outside(folder: string, allowed: (edge: Edge) => boolean = () => false): string[] {
  const found: string[] = [];
  for (const [from, edges] of graph) {
    if (!from.startsWith(folder)) continue;
    for (const edge of edges) {
      if (edge.target === null || edge.target.startsWith(folder) || allowed(edge)) continue;
      found.push(`${from} imports '${edge.spec}' (${edge.target})`);
    }
  }
  return found;
}

/** Pairs of files that import each other, each named once. */
function twoCycles(): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [from, edges] of graph) {
    for (const to of new Set(edges.map((e) => e.target))) {
      if (to === null || to <= from) continue;
      if (graph.get(to)?.some((e) => e.target === from)) pairs.push([from, to]);
    }
  }
  return pairs;
}

const inStore = (path: string) => path.startsWith('src/store/');

function report(what: string, found: string[]): string {
  return `${what}:\n  ${found.join('\n  ')}`;
}

describe('import graph: arrows point down', () => {
  it('reads every import of src/ and resolves each relative one', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files under src/`);
    assert.deepEqual(unresolved, [], report('unresolved imports', unresolved));
    // The reader finds what the rules judge (multi-line, type-only, export-from, dynamic), and not a commented-out line or a string.
    const text = [
      "import {\n  a,\n  type B,\n} from './a.ts';",
      'import type { C } from "../c.ts";',
      "export * from './d.ts';",
      "export { e } from 'pkg';",
      "export type { F } from './f.ts';",
      "// import { g } from './g.ts';",
      "/* import './h.ts'; */",
      'const s = "import \'./s.ts\'";',
      "import './i.ts';",
      "const j = await import('./j.ts');",
      "let k: import('./k.ts').K;",
    ].join('\n');
    assert.deepEqual(specifiers(text), [
      { spec: './a.ts', typeOnly: false },
      { spec: '../c.ts', typeOnly: true },
      { spec: './d.ts', typeOnly: false },
      { spec: 'pkg', typeOnly: false },
      { spec: './f.ts', typeOnly: true },
      { spec: './i.ts', typeOnly: false },
      { spec: './j.ts', typeOnly: false },
      { spec: './k.ts', typeOnly: true },
    ]);
  });

  it('src/config/ imports nothing outside src/config/ but node builtins, packages and the listed exceptions', () => {
    const found = outside('src/config/', (edge) =>
      CONFIG_EXCEPTIONS.some((x) => x.target === edge.target && (edge.typeOnly || !x.typeOnly)),
    );
    assert.deepEqual(found, [], report('src/config/ reaches up', found));
  });

  it('the store files config may import import nothing outside src/store/', () => {
    const found = CONFIG_EXCEPTIONS.flatMap(({ target }) => {
      const edges = graph.get(target);
      if (!edges) return [`${target} is listed as an exception but does not exist`];
      return edges.filter((e) => e.target !== null && !inStore(e.target)).map((e) => `${target} imports '${e.spec}' (${e.target})`);
    });
    assert.deepEqual(found, [], report('an exception of config leads back up', found));
  });

  it('src/store/ imports nothing outside src/store/, and no two store files import each other', () => {
    const found = [
      ...outside('src/store/'),
      ...twoCycles()
        .filter(([a, b]) => inStore(a) && inStore(b))
        .map(([a, b]) => `${a} and ${b} import each other`),
    ];
    assert.deepEqual(found, [], report('src/store/ reaches up', found));
  });

  it('no two files under src/ import each other', () => {
    // Pairs wholly inside src/store/ are reported by the store's rule above.
    const found = twoCycles()
      .filter(([a, b]) => !(inStore(a) && inStore(b)))
      .map(([a, b]) => `${a} and ${b} import each other`);
    assert.deepEqual(found, [], report('two-file cycles', found));
  });
});

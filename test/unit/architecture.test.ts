// The layer rule of src/ (ARCHITECTURE.md): every folder has a layer, and a file imports only
// from its own folder or from a folder in a lower layer. No import runs back up and no two
// folders import each other. A new folder must be given a layer here; an exception must name
// the one import it allows and why, and is an error once that import is gone.
//
//   npx vitest run --project unit test/unit/architecture.test.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcRoot = resolve(import.meta.dirname, '../../src');

/** Lowest first. A folder may import only folders of a strictly lower layer. */
const layers: readonly (readonly string[])[] = [
  // what every layer may throw, and where the package lives
  ['errors', 'package-root'],
  // adapters to the outside: helm, kubectl, the kube API, gpg; the terminal (output, prompts'
  // TTY test, check outcome shape, interrupts)
  ['tools', 'ui'],
  // pure answers and rules; the Prefect GraphQL client
  ['plan', 'prefect'],
  // answers -> chart values; chart signatures
  ['values', 'signing'],
  // the release view: find a release, its records, chart source, objects, workloads, API access
  ['release'],
  // the checks (install preflight and doctor) and the install wizard's questions
  ['checks', 'wizard'],
  // one folder per command flow; flows never import each other
  [
    'install',
    'upgrade',
    'uninstall',
    'doctor',
    'status',
    'connect',
    'tenant',
    'completion',
    'backup',
    'restore',
    'prune',
  ],
  // commander wiring: flags -> parsed options -> a flow
  ['commands'],
  ['cli'],
];

interface Exception {
  /** Importing file and imported file, relative to src/. */
  from: string;
  to: string;
  reason: string;
}

// None today: upgrade takes parsed answers like install (issue 16). A new one needs a reason.
const exceptions: readonly Exception[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `errors.ts` -> errors, `checks/api.ts` -> checks. */
function folderOf(fileInSrc: string): string {
  const parts = fileInSrc.split('/');
  return parts.length === 1 ? (parts[0] as string).replace(/\.ts$/, '') : (parts[0] as string);
}

const importPatterns = [
  /\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g, // import ... from, export ... from
  /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g, // import('...')
  /^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm, // import '...'
];

interface Edge {
  from: string;
  to: string;
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(srcRoot, file);
  const edges: Edge[] = [];
  for (const pattern of importPatterns) {
    for (const match of text.matchAll(pattern)) {
      const target = resolve(dirname(file), match[1] as string).replace(/\.js$/, '.ts');
      edges.push({ from, to: relative(srcRoot, target) });
    }
  }
  return edges;
}

const files = sourceFiles(srcRoot);
const fileSet = new Set(files.map((file) => relative(srcRoot, file)));
const edges = files.flatMap(importsOf);
const layerOf = new Map(
  layers.flatMap((folders, index) => folders.map((f) => [f, index] as const)),
);
const isException = (edge: Edge) =>
  exceptions.some((e) => e.from === edge.from && e.to === edge.to);
const crossFolder = edges.filter(
  (edge) => !edge.to.startsWith('..') && folderOf(edge.from) !== folderOf(edge.to),
);

describe('architecture: the layers of src/', () => {
  it('reads imports from the whole of src/', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(crossFolder.length).toBeGreaterThan(100);
  });

  it('every relative import names a file in src/ (the reader misses nothing)', () => {
    const unresolved = edges
      .filter((edge) => !fileSet.has(edge.to) && !edge.to.endsWith('.json'))
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(unresolved).toEqual([]);
  });

  it('every folder of src/ has a layer', () => {
    const folders = [...new Set([...fileSet].map(folderOf))].sort();
    expect(folders.filter((folder) => !layerOf.has(folder))).toEqual([]);
  });

  it('no import runs back up or sideways: each goes to its own folder or a lower layer', () => {
    const wrong = crossFolder
      .filter((edge) => !isException(edge))
      .filter(
        (edge) =>
          (layerOf.get(folderOf(edge.to)) ?? Number.POSITIVE_INFINITY) >=
          (layerOf.get(folderOf(edge.from)) ?? Number.NEGATIVE_INFINITY),
      )
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(wrong).toEqual([]);
  });

  it('no cycle between folders (the listed exceptions aside)', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of crossFolder) {
      if (isException(edge)) continue;
      const from = folderOf(edge.from);
      graph.set(from, (graph.get(from) ?? new Set()).add(folderOf(edge.to)));
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (folder: string, path: string[]) => {
      if (state.get(folder) === 'done') return;
      if (state.get(folder) === 'open') {
        cycles.push([...path.slice(path.indexOf(folder)), folder].join(' -> '));
        return;
      }
      state.set(folder, 'open');
      for (const next of graph.get(folder) ?? []) visit(next, [...path, folder]);
      state.set(folder, 'done');
    };
    for (const folder of graph.keys()) visit(folder, []);
    expect(cycles).toEqual([]);
  });

  it('every exception still exists and says why', () => {
    const stale = exceptions
      .filter((e) => !edges.some((edge) => edge.from === e.from && edge.to === e.to))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(stale).toEqual([]);
    for (const e of exceptions) expect(e.reason.length).toBeGreaterThan(20);
  });
});

#!/usr/bin/env node
// `npm run build`: type-check with tsc, then bundle src/ into dist/ with esbuild. One bundle (plus
// lazily loaded chunks for the heavy paths) starts much faster than hundreds of module files, and
// the package installs no runtime dependencies: they are all inside dist/.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
execFileSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: repo, stdio: 'inherit' });
rmSync(join(repo, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: repo,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies call require(); an ES module has none unless we make one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // pg loads its optional native binding only when asked; we never ask.
  external: ['pg-native'],
  legalComments: 'linked',
  // Less to parse at every start-up (about 1 ms of --help); names are kept, so --debug's stack
  // traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root (where package.json, chart/ and keys/ are), found by walking up
 * from this module: the same answer from the bundled dist/ and from src/ under the test runner.
 */
function findPackageRoot(from: string): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name ===
        'prefect-server-install'
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('prefect-server-install: cannot find the package root');
    dir = parent;
  }
}

export const packageRoot = findPackageRoot(fileURLToPath(import.meta.url));

// `helm version` costs a process start (~130 ms) on every command, for an answer that only changes
// when the binary does. The answer is kept per binary path with its inode, size and mtime, so
// a replaced or upgraded helm is asked again. The cache is an optimisation only: any trouble
// reading or writing it means the tool is simply asked.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

function cacheFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'prefect-server-install', 'tool-versions.json');
}

/** What identifies one build of a binary: a replaced or rebuilt file changes one of these. */
function stampOf(binary: string): string | undefined {
  try {
    const s = statSync(binary);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

type Cache = Record<string, { stamp: string; version: string }>;

function readCache(file: string): Cache {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Cache;
  } catch {
    return {};
  }
}

/** The version `ask` gives for this binary, asked once per build of the binary. */
export async function cachedVersion(
  binary: string,
  ask: () => Promise<string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const stamp = stampOf(binary);
  const file = cacheFile(env);
  const cache = stamp ? readCache(file) : {};
  const known = cache[binary];
  if (stamp && known?.stamp === stamp && known.version) return known.version;
  const version = await ask();
  if (stamp && version) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Entries of binaries that are gone or rebuilt are dropped, so the file stays small.
      const kept = Object.fromEntries(
        Object.entries(cache).filter(([path, entry]) => stampOf(path) === entry.stamp),
      );
      const temporary = `${file}.${process.pid}`;
      writeFileSync(temporary, JSON.stringify({ ...kept, [binary]: { stamp, version } }));
      renameSync(temporary, file);
    } catch {
      // a read-only home: ask again next time
    }
  }
  return version;
}

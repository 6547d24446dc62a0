// Moving a release between chart versions whose database keys differ (see values-era.ts):
// the user's values are rewritten key by key into the target's style, so nothing set at install
// is dropped silently by a chart that no longer reads the old key.
import type { Values } from './render-values.js';
import type { ValuesEra } from './values-era.js';

/**
 * seed-era path (Bitnami postgresql 9.3.4) -> 2022.09-era path (Bitnami 11), under `postgresql`.
 * `existingSecret` is in neither list: every released chart reads the top-level key.
 */
const keyPairs: [string[], string[]][] = [
  [['postgresqlUsername'], ['auth', 'username']],
  [['postgresqlPassword'], ['auth', 'password']],
  [['postgresqlPostgresPassword'], ['auth', 'postgresPassword']],
  [['postgresqlDatabase'], ['auth', 'database']],
  [['servicePort'], ['primary', 'service', 'ports', 'postgresql']],
  [
    ['service', 'type'],
    ['primary', 'service', 'type'],
  ],
  [['persistence'], ['primary', 'persistence']],
  [['initdbUser'], ['primary', 'initdb', 'user']],
  [['initdbScripts'], ['primary', 'initdb', 'scripts']],
];

function get(object: Values, path: string[]): unknown {
  let node: unknown = object;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Values)[key];
  }
  return node;
}

function remove(object: Values, path: string[]): void {
  const parents: Values[] = [object];
  for (const key of path.slice(0, -1)) {
    const next = parents.at(-1)?.[key];
    if (next === null || typeof next !== 'object') return;
    parents.push(next as Values);
  }
  delete parents.at(-1)?.[path.at(-1) as string];
  // Drop objects the move left empty, so the diff does not show `auth: {}` noise.
  for (let i = path.length - 2; i >= 0; i--) {
    const parent = parents[i] as Values;
    const key = path[i] as string;
    const child = parent[key];
    if (child && typeof child === 'object' && Object.keys(child).length === 0) delete parent[key];
  }
}

function set(object: Values, path: string[], value: unknown): void {
  let node = object;
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Values;
  }
  node[path.at(-1) as string] = value;
}

export interface Translation {
  values: Values;
  /** One line per key moved, for the upgrade summary. */
  moved: string[];
}

/**
 * `auth.existingSecret` (a 2022.09 values.yaml key, and what this CLI wrote before) is read by no
 * released chart's own templates, only by Bitnami 11 for its bundled database: for a released
 * target it goes to the top-level key (copied, and kept only where Bitnami 11 reads it too).
 * Our chart reads it as it is.
 */
function moveAuthExistingSecret(postgresql: Values, target: ValuesEra, moved: string[]): void {
  const secret = get(postgresql, ['auth', 'existingSecret']);
  if (target === 'bundled' || secret === undefined) return;
  const named = typeof secret === 'string' && secret !== '';
  const top = postgresql.existingSecret;
  if (named && (top === undefined || top === null || top === ''))
    postgresql.existingSecret = secret;
  // Bitnami 11 reads it for its own Secret; a seed-era chart has no such key at all.
  const keep = target === '2022.09' && (postgresql.useSubChart !== false || !named);
  if (!keep) remove(postgresql, ['auth', 'existingSecret']);
  if (named)
    moved.push(
      `postgresql.auth.existingSecret ${keep ? 'copied to' : '->'} postgresql.existingSecret`,
    );
}

/** Rewrites `postgresql.*` keys into the target era's style; other keys are untouched. */
export function translateValues(values: Values, target: ValuesEra): Translation {
  const copy = structuredClone(values);
  const postgresql = copy.postgresql as Values | undefined;
  const moved: string[] = [];
  if (!postgresql || typeof postgresql !== 'object') return { values: copy, moved };
  moveAuthExistingSecret(postgresql, target, moved);
  for (const [seed, era2022] of keyPairs) {
    const [from, to] = target === 'seed' ? [era2022, seed] : [seed, era2022];
    const value = get(postgresql, from);
    if (value === undefined || value === null || value === '') continue;
    if (get(postgresql, to) === undefined) set(postgresql, to, value);
    remove(postgresql, from);
    moved.push(`postgresql.${from.join('.')} -> postgresql.${to.join('.')}`);
  }
  return { values: copy, moved };
}

// Whether an upgrade may carry the bundled database from one chart to another. Pure: decided from
// the release's chart version, its values and the target chart, before anything changes.
//
// The bundled database is three different things (read from the released packages):
// - released up to 2022.04.14: Bitnami postgresql chart 9.3.4, image bitnami/postgresql:11.9.0,
//   Secret `<release>-postgresql` with the key `postgresql-password`, selector `role: master`;
// - released 2022.09.07 / 2022.09.23: Bitnami chart 11.x, image bitnami/postgresql:14.5.0, Secret
//   keys `password` and `postgres-password` (its templates fail with "PASSWORDS ERROR" when an
//   existing Secret lacks `postgres-password`), selector `app.kubernetes.io/component: primary`;
// - our chart: the official postgres image, its own selector and data directory layout.
// A StatefulSet's selector cannot change, and a PostgreSQL server cannot open a data directory
// written by another major version: across families the data has to be dumped and restored.
import type { InstallPlan } from '../plan/install-plan.js';
import { targetLine } from '../release/release-flags.js';
import { isReleasedChart } from '../release/released-chart.js';
import type { Values } from '../values/render-values.js';
import { passwordSecretKeys, releasedEra, valuesEraFor } from '../values/values-era.js';

type Family = 'bitnami-9' | 'bitnami-11' | 'bundled';

const described: Record<Family, string> = {
  'bitnami-9': 'Bitnami postgresql chart 9.3.4, PostgreSQL 11.9',
  'bitnami-11': 'Bitnami postgresql chart 11, PostgreSQL 14.5',
  bundled: "this package's chart, the official postgres image",
};

/** PostgreSQL server major of each family (ours: the chart's default image, postgres:14). */
const serverMajor: Record<Family, number> = { 'bitnami-9': 11, 'bitnami-11': 14, bundled: 14 };

function keysOfVersion(version: string): string[] {
  return isReleasedChart(version)
    ? passwordSecretKeys(releasedEra(version))
    : passwordSecretKeys('bundled');
}

function familyOfVersion(version: string): Family {
  if (!isReleasedChart(version)) return 'bundled';
  return releasedEra(version) === 'seed' ? 'bitnami-9' : 'bitnami-11';
}

function familyOfChart(chart: InstallPlan['chart']): Family {
  const era = valuesEraFor(chart);
  return era === 'bundled' ? 'bundled' : era === 'seed' ? 'bitnami-9' : 'bitnami-11';
}

export interface DatabaseMoveInput {
  release: string;
  namespace: string;
  /** The chart version the release runs now (e.g. 2022.04.14, or 0.1.0 for ours). */
  currentVersion: string;
  target: InstallPlan['chart'];
  /** The release's user-supplied values, as helm keeps them. */
  userValues: Values;
}

export type DatabaseMove =
  | { kind: 'none' }
  /** Bad input: refuse before anything changes. */
  | { kind: 'refuse'; message: string; hint: string }
  /** An external database's existing Secret must hold `keys` (one of them) for the target. */
  | { kind: 'check-secret'; secret: string; keys: string[]; currentKeys: string[] };

const isObject = (v: unknown): v is Values =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function targetName(target: InstallPlan['chart']): string {
  return target.source === 'repo' ? (target.version ?? '2022.09.23 (latest)') : 'the bundled chart';
}

/** The backup command: the password is read inside the pod from its own environment. */
export function backupCommand(release: string, namespace: string): string {
  return `kubectl exec -n ${namespace} ${release}-postgresql-0 -- sh -c 'PGPASSWORD="$POSTGRES_PASSWORD" pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom' > ${release}-database.dump`;
}

export function planDatabaseMove(input: DatabaseMoveInput): DatabaseMove {
  const { release, namespace, currentVersion, target, userValues } = input;
  const from = familyOfVersion(currentVersion);
  const to = familyOfChart(target);
  const pg = isObject(userValues.postgresql) ? userValues.postgresql : {};
  const external = pg.useSubChart === false;

  if (external) {
    // The data stays where it is; only the key the chart reads in the Secret may change.
    const named = [pg.existingSecret, isObject(pg.auth) ? pg.auth.existingSecret : undefined].find(
      (s): s is string => typeof s === 'string' && s !== '',
    );
    if (named === undefined || from === to) return { kind: 'none' };
    const currentKeys = keysOfVersion(currentVersion);
    return {
      kind: 'check-secret',
      secret: named,
      keys: passwordSecretKeys(valuesEraFor(target)),
      currentKeys,
    };
  }
  if (from === to) return { kind: 'none' };

  const reasons: string[] = [];
  if (from === 'bitnami-9' && to === 'bitnami-11') {
    reasons.push(
      `chart 2022.09.07 moved its subchart from Bitnami PostgreSQL 9 -> 11 (${described[from]} -> ${described[to]}), which changes the password Secret's key: ${release}-postgresql holds postgresql-password, the new chart requires postgres-password, and helm would stop with "PASSWORDS ERROR: the secret does not contain the key postgres-password"`,
    );
  }
  if (to === 'bundled' || from === 'bundled') {
    reasons.push(
      `the database StatefulSet ${release}-postgresql changes its selector and data directory layout (${described[from]} -> ${described[to]}); a StatefulSet's selector cannot change, so helm would fail after changing the other objects`,
    );
  }
  if (serverMajor[from] !== serverMajor[to]) {
    reasons.push(
      `PostgreSQL cannot open a data directory written by another major version (${described[from]} -> ${described[to]}): the data must be dumped and restored, not carried over`,
    );
  }
  const flags = targetLine({ namespace, release }, { alwaysRelease: true });
  const later =
    target.source === 'repo'
      ? `prefect-server upgrade ${flags} --version ${target.version ?? '2022.09.23'} --move-database`
      : `prefect-server upgrade ${flags} --chart-source bundled --move-database`;
  return {
    kind: 'refuse',
    message: `Release ${release} cannot move from chart ${currentVersion} to ${targetName(target)} with its bundled database:\n${reasons.map((r) => `  - ${r}.`).join('\n')}\nNothing was changed: the release stays on ${currentVersion} and keeps working.`,
    hint: [
      'Back up the database now (the password is read inside the pod, never put on your command line):',
      `  ${backupCommand(release, namespace)}`,
      'Moving the data to the new chart is not built yet. Coming (issue 17), not available in this version:',
      `  ${later}`,
    ].join('\n'),
  };
}

/** The refusal when an external database's Secret lacks the key the target chart reads. */
export function secretKeyProblem(
  move: Extract<DatabaseMove, { kind: 'check-secret' }>,
  input: Pick<DatabaseMoveInput, 'release' | 'namespace' | 'currentVersion' | 'target'>,
  heldKeys: string[] | undefined,
): { message: string; hint: string } | undefined {
  if (heldKeys === undefined) {
    return {
      message: `Secret ${move.secret} (the external database's password) does not exist in ${input.namespace}.`,
      hint: `Create it with the key ${move.keys[0]} first: kubectl create secret generic ${move.secret} -n ${input.namespace} --from-file=${move.keys[0]}=/path/to/password-file. Nothing was changed.`,
    };
  }
  if (move.keys.some((key) => heldKeys.includes(key))) return undefined;
  const from = move.currentKeys.find((key) => heldKeys.includes(key));
  const wanted = move.keys[0] as string;
  return {
    message: `Chart ${targetName(input.target)} reads the database password from the key ${wanted} of Secret ${move.secret}, which holds only ${heldKeys.join(', ') || 'no keys'} (chart ${input.currentVersion} read ${move.currentKeys.join(' or ')}).`,
    hint: from
      ? `Copy the key inside the cluster (the password never reaches your command line), then upgrade again: kubectl get secret ${move.secret} -n ${input.namespace} -o json | jq '.data["${wanted}"] = .data["${from}"]' | kubectl apply -f -. Nothing was changed.`
      : `Add the key ${wanted} to the Secret, then upgrade again. Nothing was changed.`,
  };
}

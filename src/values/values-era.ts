import type { InstallPlan } from '../plan/install-plan.js';

/**
 * Which database keys a chart reads. The released charts changed them in 2022.09.07 (Bitnami
 * postgresql chart 9.3.4 -> 11.x):
 * - 'seed' (released up to 2022.04.14): `postgresql.postgresqlUsername`, `postgresqlDatabase`,
 *   `servicePort`, `persistence`, and `existingSecret` read under the key `postgresql-password`;
 * - '2022.09' (released 2022.09.07, 2022.09.23): `postgresql.auth.{username,database}`,
 *   `primary.service.ports.postgresql`, `primary.persistence`, and still the top-level
 *   `existingSecret` (never `auth.existingSecret`: the prefect templates ignore it), read under
 *   the key `postgres-password`;
 * - 'bundled' (our chart): reads both styles; the 2022.09 keys win.
 */
export type ValuesEra = 'seed' | '2022.09' | 'bundled';

export const firstEra2022Version = '2022.09.07';

/** Two published versions were numbered `21.07.06` and `21.10.21`: they are 2021's. */
export function normalizeReleasedVersion(version: string): string {
  return version.replace(/^(\d\d)\./, '20$1.');
}

/** Numeric comparison of dotted versions (CalVer or SemVer cores); suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[-+]/)[0]
      ?.split('.')
      .map((n) => Number(n)) ?? [];
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** The era of a released chart version (no version: the repository's latest, 2022.09.23). */
export function releasedEra(version: string | undefined): Exclude<ValuesEra, 'bundled'> {
  if (version === undefined) return '2022.09';
  return compareVersions(normalizeReleasedVersion(version), firstEra2022Version) < 0
    ? 'seed'
    : '2022.09';
}

export function valuesEraFor(chart: InstallPlan['chart']): ValuesEra {
  return chart.source === 'bundled' ? 'bundled' : releasedEra(chart.version);
}

/**
 * The keys under which a chart reads the password from `postgresql.existingSecret`; a Secret
 * must hold one of them. Our chart looks the Secret up and takes whichever it holds.
 */
export function passwordSecretKeys(era: ValuesEra): string[] {
  if (era === 'seed') return ['postgresql-password'];
  if (era === '2022.09') return ['postgres-password'];
  return ['postgres-password', 'postgresql-password'];
}

/** The one key to name when telling someone how to create the Secret. */
export function passwordSecretKey(era: ValuesEra): string {
  return passwordSecretKeys(era)[0] as string;
}

/** The released charts before 2021.04.06 had no Ingress templates (and no `ingress` values). */
export const firstIngressVersion = '2021.04.06';

/** Whether the chart reads `apollo.ingress` / `ui.ingress` at all. */
export function readsIngress(chart: InstallPlan['chart']): boolean {
  if (chart.source === 'bundled' || chart.version === undefined) return true;
  return compareVersions(normalizeReleasedVersion(chart.version), firstIngressVersion) >= 0;
}

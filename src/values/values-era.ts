import type { InstallPlan } from '../plan/install-plan.js';

/**
 * The database keys changed in the released chart 2022.09.07 (Bitnami PostgreSQL 9 -> 11):
 * before it `postgresql.postgresqlPassword`-style keys and the Secret key `postgresql-password`,
 * from it `postgresql.auth.*` / `primary.*` and the Secret key `postgres-password`.
 * Our bundled chart reads both, and the newer keys win there.
 */
export type ValuesEra = 'seed' | '2022.09';

export const firstEra2022Version = '2022.09.07';

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

export function valuesEraFor(chart: InstallPlan['chart']): ValuesEra {
  if (chart.source === 'bundled' || chart.version === undefined) return '2022.09';
  return compareVersions(chart.version, firstEra2022Version) < 0 ? 'seed' : '2022.09';
}

/** The key under which the chart of that era reads a password from an existing Secret. */
export function passwordSecretKey(era: ValuesEra): string {
  return era === 'seed' ? 'postgresql-password' : 'postgres-password';
}

// The bundled database of a release, by chart: the released charts vendored Bitnami's postgresql
// chart (9.3.4 up to 2022.04.14, 11.x from 2022.09.07), whose StatefulSet is `R-postgresql` with
// Bitnami's selector labels and whose Secret `R-postgresql` holds the password under a key that
// changed with the major version. Our own chart's names are read from its objects instead.

import {
  compareVersions,
  firstEra2022Version,
  normalizeReleasedVersion,
} from '../values/values-era.js';
import { componentLabel, instanceLabel, nameLabel } from './labels.js';
import { isReleasedChart } from './released-chart.js';

export interface BundledDatabase {
  statefulSet: string;
  /** The claim of its first pod when persistence is on (volume claim template `data`). */
  claim: string;
  pod: string;
  /** The StatefulSet's selector: what finds its pods. */
  selector: Record<string, string>;
  secret: string;
  /** The key the server's pods read the password from. */
  passwordKey: string;
}

/** Bitnami's names for a released chart version; undefined for our chart (SemVer). */
export function bundledDatabase(
  release: string,
  chartVersion: string,
): BundledDatabase | undefined {
  const version = normalizeReleasedVersion(chartVersion);
  if (!isReleasedChart(version)) return undefined;
  const statefulSet = `${release}-postgresql`;
  const names = {
    statefulSet,
    claim: `data-${statefulSet}-0`,
    pod: `${statefulSet}-0`,
    secret: statefulSet,
  };
  const bitnami11 = compareVersions(version, firstEra2022Version) >= 0;
  return {
    ...names,
    selector: {
      [nameLabel]: 'postgresql',
      [instanceLabel]: release,
      ...(bitnami11 ? { [componentLabel]: 'primary' } : { role: 'master' }),
    },
    passwordKey: bitnami11 ? 'postgres-password' : 'postgresql-password',
  };
}

/** Whether an object's labels carry every label of a selector. */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: Record<string, string>,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

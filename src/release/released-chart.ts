// Which chart a release runs: a CalVer version is a chart released to the repository; ours is SemVer.
import type { HelmRelease } from '../tools/helm.js';

export function chartVersionOf(release: HelmRelease): string {
  return release.chart.replace(/^prefect-server-/, '');
}

/**
 * A CalVer chart version is a released chart from the repository; ours is SemVer 0.x. Two
 * releases were numbered with a two-digit year (21.07.06, 21.10.21).
 */
export function isReleasedChart(version: string): boolean {
  return /^(20)?\d\d\.\d\d\.\d\d/.test(version);
}

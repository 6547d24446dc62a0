// Which chart a release runs: a CalVer version is a chart released to the repository; ours is SemVer.
import type { HelmRelease } from '../tools/helm.js';

export function chartVersionOf(release: HelmRelease): string {
  return release.chart.replace(/^prefect-server-/, '');
}

/** A CalVer chart version is a released chart from the repository; ours is SemVer 0.x. */
export function isReleasedChart(version: string): boolean {
  return /^20\d\d\./.test(version);
}

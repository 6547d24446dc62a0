import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { InstallPlan } from '../plan/install-plan.js';

/** The chart shipped inside this package (beside dist/ when installed, beside src/ in the repo). */
export const bundledChartPath = fileURLToPath(new URL('../../chart', import.meta.url));

/** The image tags the bundled chart installs when none is chosen. */
export function bundledChartDefaults(): {
  serverTag: string;
  prefectTag: string;
  uiTag: string;
  chartVersion: string;
} {
  const chart = parse(readFileSync(`${bundledChartPath}/Chart.yaml`, 'utf8')) as {
    version: string;
    appVersion: string;
  };
  const values = parse(readFileSync(`${bundledChartPath}/values.yaml`, 'utf8')) as {
    serverVersionTag?: string | null;
    prefectVersionTag: string;
    uiVersionTag: string;
  };
  return {
    serverTag: values.serverVersionTag ?? chart.appVersion,
    prefectTag: values.prefectVersionTag,
    uiTag: values.uiVersionTag,
    chartVersion: chart.version,
  };
}

/** How helm is told which chart: a local path, or a chart name plus `--repo` for released ones. */
export function chartArgs(chart: InstallPlan['chart']): { chart: string; extraArgs: string[] } {
  if (chart.source === 'bundled') return { chart: bundledChartPath, extraArgs: [] };
  return { chart: 'prefect-server', extraArgs: ['--repo', chart.repoUrl] };
}

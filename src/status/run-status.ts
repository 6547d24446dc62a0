// status, end to end: find the release (helm's record) -> its values and last revision -> what the
// cluster says about its workloads, exposure, database and tenants (through the API client) ->
// one screen, or JSON.
import { targetLine } from '../release/release-flags.js';
import { checkReleaseLookup, type ReleaseLookup } from '../release/release-ref.js';
import { Helm } from '../tools/helm.js';
import { kubeApiFor } from '../tools/kube-api.js';
import { Kubectl } from '../tools/kubectl.js';
import { describeDatabaseData, readDatabaseData } from './database-data.js';
import { describeStatus, readReleaseStatus } from './release-status.js';

export interface StatusOptions {
  lookup: ReleaseLookup;
  output: 'text' | 'json';
}

export async function runStatus(
  options: StatusOptions,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  checkReleaseLookup(options.lookup);
  const [{ findRelease }, { isReleasedChart, chartVersionOf }, { effectiveValues }] =
    await Promise.all([
      import('../release/find-release.js'),
      import('../release/released-chart.js'),
      import('../release/effective-values.js'),
    ]);
  const cluster = { kubeconfig: options.lookup.kubeconfig, context: options.lookup.context };
  const [helm, kubectl] = await Promise.all([Helm.create(cluster), Kubectl.create(cluster)]);
  const release = await findRelease(helm, options.lookup);
  const [values, history] = await Promise.all([
    // A released chart's own defaults count (e.g. its database volume setting).
    isReleasedChart(chartVersionOf(release))
      ? effectiveValues(helm, release)
      : helm.userValues(release.name, release.namespace),
    helm.history(release.name, release.namespace),
  ]);
  const api = kubeApiFor(kubectl);
  const status = await readReleaseStatus(
    api,
    cluster,
    release,
    values,
    history.at(-1)?.revision ?? Number(release.revision),
  );
  // After the rest, not beside it: its kubectl exec would compete with the few seconds the
  // tenant count has through its port-forward.
  const data = await readDatabaseData(api, kubectl, release, options.lookup.context);
  if (options.output === 'json') {
    write(
      `${JSON.stringify({ ...status, databaseSize: data.size, lastBackup: data.lastBackup }, null, 2)}\n`,
    );
    return;
  }
  const target = targetLine({ namespace: release.namespace, release: release.name, ...cluster });
  // The screen is the data asked for, so --quiet does not hide it.
  write(
    [...describeStatus(status), ...describeDatabaseData(data, target)]
      .map((line) => `${line}\n`)
      .join(''),
  );
}

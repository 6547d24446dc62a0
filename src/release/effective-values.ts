// The values a release really runs with: its chart's own defaults (kept by helm in the release
// record) under the user's values, as helm coalesces them (`helm get values --all`). A release
// installed by hand from a released chart has none of our chart's defaults: its apollo and ui
// Services are LoadBalancer unless the user said otherwise, so its user values alone misread it.
import type { Helm } from '../tools/helm.js';
import type { Values } from '../values/render-values.js';

export async function effectiveValues(
  helm: Helm,
  release: { name: string; namespace: string },
): Promise<Values> {
  const out = await helm.run([
    'get',
    'values',
    release.name,
    '--namespace',
    release.namespace,
    '--all',
    '--output',
    'json',
  ]);
  return (JSON.parse(out.stdout) ?? {}) as Values;
}

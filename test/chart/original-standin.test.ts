// The stand-in of a hand-installed original release (test/e2e/support/original-release.ts) must
// render what contract.json says the original rendered: the same comparison the contract test
// applies to our chart, with no deviation allowed. Checked per version, on helm 3 and 4, for the
// `default` case, the `agent` case (agent.enabled) and with the database volume on.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { originalChartDir } from '../e2e/support/original-release.js';
import { helms } from '../support/tools.js';
import { CONTRACT_NAMESPACE, CONTRACT_RELEASE, contractCases, differences } from './contract.js';
import { template } from './render.js';

const versions = ['2021.04.27', '2022.01.25', '2022.04.14', '2022.09.23'];
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

describe.each(helms())('the stand-in of an original release ($label)', (helm) => {
  it.each(versions)('renders contract.json of %s (default and agent cases)', async (version) => {
    const dir = await originalChartDir(version);
    made.push(dir);
    const chart = join(dir, 'prefect-server');
    const where = { release: CONTRACT_RELEASE, namespace: CONTRACT_NAMESPACE, chart };
    for (const name of ['default', 'agent']) {
      const c = contractCases().find((x) => x.name === name && x.release === version);
      if (!c) throw new Error(`contract.json has no ${name} case of ${version}`);
      const rendered = await template(helm, c.values, where);
      expect(differences(c, rendered), `${name}@${version}`).toEqual([]);
      // apollo and ui are LoadBalancer by the chart's own default, ClusterIP when set so.
      expect(rendered.get('Service', 'prefect-apollo').spec.type).toBe('LoadBalancer');
    }
    const clusterIp = await template(
      helm,
      { apollo: { service: { type: 'ClusterIP' } }, ui: { service: { type: 'ClusterIP' } } },
      where,
    );
    expect(clusterIp.get('Service', 'prefect-ui').spec.type).toBe('ClusterIP');
    const era = version >= '2022.09.07';
    const persistence = { persistence: { enabled: true, size: '3Gi' } };
    const withVolume = await template(
      helm,
      { postgresql: era ? { primary: persistence } : persistence },
      where,
    );
    const sts = withVolume.get('StatefulSet', 'prefect-postgresql');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('3Gi');
    const without = await template(helm, {}, where);
    expect(
      without.get('StatefulSet', 'prefect-postgresql').spec.volumeClaimTemplates,
    ).toBeUndefined();
    // Any release name: no object keeps contract.json's `prefect-` prefix.
    const other = await template(
      helm,
      { agent: { enabled: true } },
      { ...where, release: 'other' },
    );
    const names = other.objects.map((o) => o.metadata.name as string);
    expect(names.filter((n) => !n.startsWith('other-'))).toEqual([]);
    expect(other.manifest).not.toMatch(/prefect-(hasura|graphql|postgresql|serviceaccount)/);
  });
});

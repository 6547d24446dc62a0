// Reading a release installed by hand from a released chart: its effective values (the chart's
// published defaults under the user's values), which Services an apply would wait on, and
// Bitnami's database names per version. The facts are compared with ../shared/original-chart
// (the published values files and contract.json's renders), never with our own chart.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { databaseTargetOf } from '../../src/checks/database-target.js';
import { loadBalancerServices } from '../../src/release/address-wait.js';
import { bundledDatabase, matchesSelector } from '../../src/release/bundled-database.js';
import type { Workload } from '../../src/tools/kube-objects.js';
import { answersFromValues } from '../../src/values/answers-from-values.js';

const shared = resolve(import.meta.dirname, '../../../shared/original-chart');
// biome-ignore lint/suspicious/noExplicitAny: contract.json and values are data read by deep paths.
type Json = any;
const contract: Json = JSON.parse(readFileSync(resolve(shared, 'contract.json'), 'utf8'));
const published = (version: string) =>
  parse(readFileSync(resolve(shared, 'values', `${version}.yaml`), 'utf8')) as Record<
    string,
    unknown
  >;
// contract.json renders release `prefect`; a generated name (the manual's --generate-name) too.
const release = 'prefect';
const renders = Object.entries(contract.cases.default.renders) as [string, Json][];

describe('the published defaults of a released chart, read as answers', () => {
  it.each(renders)(
    '%s: apollo and ui are typed as the original rendered them',
    (version, render) => {
      const values = published(version) as Json;
      expect(values.apollo.service.type).toBe(render.services['prefect-apollo'].type);
      expect(values.ui.service.type).toBe(render.services['prefect-ui'].type);
      // What upgrade and status make of `helm get values --all` of such a release with no user
      // values: LoadBalancer exposure, not port-forward (which reading the user's values alone gives).
      expect(answersFromValues(values, release).expose).toBe('loadbalancer');
      expect(answersFromValues({}, release).expose).toBe('port-forward');
    },
  );
});

describe('Services an apply would wait on for an address', () => {
  it.each(renders)('%s: the original default render has apollo and ui', (_version, render) => {
    const manifest = Object.entries(render.services as Record<string, Json>)
      .map(([name, s]) =>
        stringify({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name },
          spec: { type: s.type },
        }),
      )
      .join('---\n');
    expect(loadBalancerServices(manifest).sort()).toEqual(['prefect-apollo', 'prefect-ui']);
  });
  it('none when every Service is ClusterIP or another kind', () => {
    expect(
      loadBalancerServices(
        'kind: Service\nmetadata: {name: a}\nspec: {type: ClusterIP}\n---\nkind: ConfigMap\nmetadata: {name: b}\n',
      ),
    ).toEqual([]);
  });
});

describe("Bitnami's database names per released version", () => {
  it.each(renders)('%s: as contract.json renders them', (version, render) => {
    const db = bundledDatabase(release, version);
    if (!db) throw new Error('a released version must have Bitnami names');
    expect(db.statefulSet).toBe(render.database.name);
    expect(db.selector).toEqual(render.database.selector);
    expect(matchesSelector(render.database.selector, db.selector)).toBe(true);
    expect(db.secret).toBe(render.dbSecret.name);
    expect(render.dbSecret.keys).toContain(db.passwordKey);
    // The key the server's pods read: hasura's PGPASSWORD.
    const hasura = render.components.hasura.containers[0];
    const pg = hasura.env.find((e: Json) => e.name === 'PGPASSWORD');
    expect(pg.valueFrom.secretKeyRef).toBe(`${db.secret}/${db.passwordKey}`);
    expect(db.claim).toBe(`data-${render.database.name}-0`);
  });
  it('a two-digit year (21.07.06) is a 2021 release; our SemVer chart has none', () => {
    expect(bundledDatabase('r', '21.07.06')?.passwordKey).toBe('postgresql-password');
    expect(bundledDatabase('r', '0.1.0')).toBeUndefined();
  });
});

describe("doctor's database target of a released chart's release", () => {
  it.each(renders)('%s: the Bitnami Service, pod and the Secret key hasura reads', (_v, render) => {
    const host = `${render.database.name}.${release}`;
    const container = render.components.hasura.containers[0];
    const env = container.env.map((e: Json) =>
      e.valueFrom
        ? {
            name: e.name,
            valueFrom: {
              secretKeyRef: {
                name: e.valueFrom.secretKeyRef.split('/')[0],
                key: e.valueFrom.secretKeyRef.split('/')[1],
              },
            },
          }
        : { name: e.name, value: String(e.value).replaceAll('<POSTGRES_HOST>', host) },
    );
    const hasura = {
      kind: 'Deployment',
      metadata: {
        name: render.components.hasura.name,
        labels: { 'app.kubernetes.io/component': 'hasura' },
      },
      spec: { template: { spec: { containers: [{ name: 'hasura', env }] } } },
    } as unknown as Workload;
    const services = Object.keys(render.services).map((name) => ({ metadata: { name } }));
    // The pod of Bitnami's StatefulSet carries its selector labels.
    const pods = [
      { metadata: { name: `${render.database.name}-0`, labels: render.database.selector } },
    ];
    const target = databaseTargetOf([hasura], services, pods, release);
    expect(target?.service).toBe(render.database.name);
    expect(target?.pod).toBe(`${render.database.name}-0`);
    expect(`${target?.secret?.name}/${target?.secret?.key}`).toBe(
      `${render.dbSecret.name}/${bundledDatabase(release, _v)?.passwordKey}`,
    );
  });
});

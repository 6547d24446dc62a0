// Every values.yaml the original chart published (../shared/original-chart/values, all 18
// releases) is a values file some user has: each must pass our schema and render, on helm 3 and 4,
// into pods whose every Secret reference names a Secret this chart renders, under a key it holds.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { publishedValues, sharedOriginal } from './contract.js';
import { containers, type K8sObject, template } from './render.js';

const versions = readdirSync(`${sharedOriginal}/values`).map((file) => file.replace(/\.yaml$/, ''));

describe.each(helms())('published values files of the original chart, with $label', (helm) => {
  it('are all here', () => {
    expect(versions).toHaveLength(18);
  });

  it.concurrent.each(versions)(
    '%s renders, and every Secret reference resolves',
    async (version) => {
      const rendered = await template(helm, publishedValues(version));
      const secrets = new Map<string, Set<string>>(
        rendered.all('Secret').map((s) => [s.metadata.name, new Set(Object.keys(s.data ?? {}))]),
      );
      const workloads = rendered
        .all()
        .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'Pod'].includes(o.kind));
      expect(workloads.length).toBeGreaterThanOrEqual(6);
      for (const workload of workloads) {
        for (const c of containers(workload)) {
          for (const env of c.env ?? []) {
            const ref = env.valueFrom?.secretKeyRef as K8sObject | undefined;
            if (!ref) continue;
            expect(
              secrets.get(ref.name)?.has(ref.key),
              `${workload.metadata.name}/${c.name} ${env.name} -> ${ref.name}/${ref.key}`,
            ).toBe(true);
          }
        }
      }
    },
  );
});

// `helm lint --strict` is clean for every value set; the chart refuses too old a Kubernetes.
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { lint, templateError, templateRaw } from './render.js';
import { type SetName, VALUE_SETS } from './value-sets.js';

describe.each(helms())('helm lint with $label', (helm) => {
  it.concurrent.each(Object.keys(VALUE_SETS) as SetName[])(
    '%s: lint --strict is clean',
    async (name) => {
      const result = await lint(helm, VALUE_SETS[name]);
      expect(result.stderr + result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.code).toBe(0);
    },
  );

  it("renders with helm's own default Kubernetes version (no --kube-version)", async () => {
    const result = await templateRaw(helm, {}, { kubeVersion: '' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses Kubernetes older than 1.23', async () => {
    const error = await templateError(helm, {}, { kubeVersion: 'v1.22.0' });
    expect(error).toMatch(
      /kubeVersion: >=1\.23\.0-0 which is incompatible with Kubernetes v1\.22\.0/,
    );
  });
});

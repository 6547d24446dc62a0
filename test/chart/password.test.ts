// The database password survives upgrades and reinstalls: `lookup` finds the Secret helm kept.
// `helm template` cannot reach a cluster, so a copy of the chart answers `lookup` with a Secret.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import {
  decodeSecret,
  NAMESPACE,
  replaceInFile,
  templateEditedCopy,
  type Values,
} from './render.js';

const LOOKUP = 'lookup "v1" "Secret" .Release.Namespace $secret.name';

/** Renders with `lookup` of the password Secret answering `data` (only for that name and namespace). */
function withStoredSecret(
  helm: Parameters<typeof templateEditedCopy>[0],
  data: Record<string, string>,
  values: Values = {},
) {
  const dict = Object.entries(data)
    .map(([key, value]) => `${JSON.stringify(key)} (${JSON.stringify(value)} | b64enc)`)
    .join(' ');
  const fake = `(ternary (dict "data" (dict ${dict})) (dict) (and (eq .Release.Namespace ${JSON.stringify(NAMESPACE)}) (eq $secret.name "rel-postgresql")))`;
  return templateEditedCopy(helm, values, (chart) =>
    replaceInFile(join(chart, 'templates', 'postgresql', 'secret.yaml'), LOOKUP, fake),
  );
}

describe.each(helms())('the password Secret with $label', (helm) => {
  it('reuses the password stored by an earlier release', async () => {
    const rendered = await withStoredSecret(helm, { 'postgresql-password': 'kept-Pa55word' });
    expect(decodeSecret(rendered.get('Secret', 'rel-postgresql'))).toEqual({
      'postgresql-password': 'kept-Pa55word',
      'postgres-password': 'kept-Pa55word',
      password: 'kept-Pa55word',
    });
    expect(
      rendered.get('Secret', 'rel-postgresql').metadata.annotations['helm.sh/resource-policy'],
    ).toBe('keep');
  });

  it("reuses a Secret holding only the 2022.09-era key (the original chart's subchart)", async () => {
    const rendered = await withStoredSecret(helm, { 'postgres-password': 'bitnami-Pa55' });
    expect(decodeSecret(rendered.get('Secret', 'rel-postgresql'))['postgresql-password']).toBe(
      'bitnami-Pa55',
    );
  });

  it('lets an explicit password value win over the stored one', async () => {
    const rendered = await withStoredSecret(
      helm,
      { 'postgresql-password': 'kept-Pa55word' },
      { postgresql: { auth: { password: 'explicit-Pa55' } } },
    );
    expect(decodeSecret(rendered.get('Secret', 'rel-postgresql'))['postgres-password']).toBe(
      'explicit-Pa55',
    );
  });

  it('generates a new password when the Secret has no password in it', async () => {
    const rendered = await withStoredSecret(helm, { unrelated: 'x' });
    expect(decodeSecret(rendered.get('Secret', 'rel-postgresql'))['postgresql-password']).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
  });
});

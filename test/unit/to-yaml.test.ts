import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../src/values/to-yaml.js';

describe('toYaml', () => {
  it('writes values a person can read', () => {
    expect(
      toYaml({
        agent: { enabled: true, prefectLabels: [] },
        imagePullSecrets: [{ name: 'reg' }],
        tag: '2022.09.23',
        url: 'http://x/graphql',
      }),
    ).toBe(
      'agent:\n  enabled: true\n  prefectLabels: []\nimagePullSecrets:\n  - name: reg\ntag: "2022.09.23"\nurl: http://x/graphql\n',
    );
  });

  it('reads back as exactly the same values for any input (checked with the yaml library)', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), tree, { maxKeys: 4 }), (values) => {
        expect(parse(toYaml(values))).toEqual(JSON.parse(JSON.stringify(values)));
      }),
      { numRuns: 500 },
    );
  });
});

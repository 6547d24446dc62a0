// The pure parts of install --dry-run without a cluster (src/install/client-dry-run.ts). helm's
// stderr below is verbatim from helm v3.22.0 and v4.3.1 (`helm template x chart --set
// apollo.service.typo=1`; both print the same).
import { describe, expect, it } from 'vitest';
import {
  helmErrorText,
  onlyUnreachable,
  renderedObjects,
  templateFailureIsBadInput,
} from '../../src/install/client-dry-run.js';
import type { CheckOutcome } from '../../src/ui/check.js';

const outcome = (id: string, status: CheckOutcome['status']): CheckOutcome => ({
  id,
  category: 'cluster',
  title: id,
  status,
  message: `${id} ${status}`,
});

const schemaRefusal = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
prefect-server:
- at '/apollo/service': additional properties 'typo' not allowed
`;

describe('onlyUnreachable', () => {
  it('is the reachability failure when it is the only one', () => {
    expect(onlyUnreachable([outcome('cluster-reachable', 'fail')])?.message).toBe(
      'cluster-reachable fail',
    );
  });
  it('is nothing when the cluster answered, or when something else failed', () => {
    expect(onlyUnreachable([outcome('cluster-reachable', 'pass')])).toBeUndefined();
    expect(
      onlyUnreachable([outcome('cluster-reachable', 'pass'), outcome('namespace', 'fail')]),
    ).toBeUndefined();
    expect(onlyUnreachable([])).toBeUndefined();
  });
});

describe('renderedObjects', () => {
  it('names every object of a manifest, never its content', () => {
    const manifest = `---
# Source: prefect-server/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: prefect-server-postgresql
data:
  postgresql-password: c2VjcmV0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prefect-server-apollo
---
# an empty document, as helm leaves for a template that renders nothing
`;
    expect(renderedObjects(manifest)).toEqual([
      'Secret/prefect-server-postgresql',
      'Deployment/prefect-server-apollo',
    ]);
  });
});

describe('helm template refusals', () => {
  it('keeps the lines after Error: (they name the key)', () => {
    expect(helmErrorText(schemaRefusal)).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s): prefect-server: - at '/apollo/service': additional properties 'typo' not allowed",
    );
    expect(helmErrorText('WARNING: x\nplain failure\n')).toBe('plain failure');
  });
  it('a schema refusal is bad input; a network failure is not', () => {
    expect(templateFailureIsBadInput(schemaRefusal)).toBe(true);
    // helm 4.3.1, `helm template x http://127.0.0.1:1/prefect-server-1.0.0.tgz`
    expect(
      templateFailureIsBadInput(
        'Error: Get "http://127.0.0.1:1/prefect-server-1.0.0.tgz": dial tcp 127.0.0.1:1: connect: connection refused\n',
      ),
    ).toBe(false);
  });
});

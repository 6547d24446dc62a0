// doctor's report and the choice of checks; and that doctor never crashes, even with no tools.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DoctorOutcome } from '../../src/checks/doctor-check.js';
import { summary, toJson, toText } from '../../src/doctor/report.js';
import { categories, doctorChecks, inspect, selectChecks } from '../../src/doctor/run-doctor.js';
import { InputError } from '../../src/errors.js';

const schema = JSON.parse(
  readFileSync(new URL('../../src/doctor/doctor-output.schema.json', import.meta.url), 'utf8'),
);

const outcomes: DoctorOutcome[] = [
  {
    id: 'tools-helm',
    category: 'tools',
    title: 'helm is installed',
    status: 'pass',
    message: 'helm v3.22.0',
  },
  {
    id: 'database-login',
    category: 'database',
    title: 'the database accepts the password',
    status: 'fail',
    message: 'bad password',
    hint: 'Make them the same, in one of two ways:',
    details: ['1. this', '2. that'],
  },
  {
    id: 'api-tenant',
    category: 'api',
    title: 'a tenant exists',
    status: 'warn',
    message: 'skipped',
    hint: undefined,
  },
];

describe('the JSON report', () => {
  it('has the fixed shape: every check with all its keys, hint null when none', () => {
    const json = toJson(outcomes);
    expect(json.schemaVersion).toBe(1);
    expect(json.ok).toBe(false);
    expect(json.checks[0]).toEqual({
      id: 'tools-helm',
      category: 'tools',
      title: 'helm is installed',
      status: 'pass',
      message: 'helm v3.22.0',
      hint: null,
      details: [],
    });
    expect(json.checks[2]?.hint).toBeNull();
    for (const check of json.checks) {
      expect(Object.keys(check).sort()).toEqual([...schema.$defs.check.required].sort());
    }
    expect(toJson(outcomes.filter((o) => o.status !== 'fail')).ok).toBe(true);
  });

  it('the schema and the code agree on categories and on every check id', () => {
    expect(schema.$defs.check.properties.category.enum).toEqual([...categories]);
    const pattern = new RegExp(schema.$defs.check.properties.id.pattern);
    const ids = doctorChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of doctorChecks) {
      expect(check.id).toMatch(pattern);
      expect(categories).toContain(check.category);
      expect(
        check.id.startsWith(check.category.replace(/s$/, '')) || check.id.startsWith('pods-'),
      ).toBe(true);
    }
  });
});

describe('the text report', () => {
  it('groups by category, marks each check, puts hint and details under what did not pass', () => {
    const lines = toText(outcomes, categories, 'heading');
    expect(lines).toEqual([
      'heading',
      '',
      'tools',
      '-----',
      '✓ helm is installed: helm v3.22.0',
      '',
      'database',
      '--------',
      '✗ the database accepts the password: bad password',
      '    Make them the same, in one of two ways:',
      '    1. this',
      '    2. that',
      '',
      'api',
      '---',
      '! a tenant exists: skipped',
      '',
      'Status: 1 passed, 1 warning, 1 failed',
    ]);
    expect(summary([])).toBe('0 passed, 0 warnings, 0 failed');
  });
});

describe('choosing checks', () => {
  it('--pre runs tools, cluster and permissions, with the class checks; never a release check', () => {
    const pre = selectChecks(doctorChecks, true, undefined);
    expect([...new Set(pre.map((c) => c.category))]).toEqual(['tools', 'cluster', 'permissions']);
    expect(pre.map((c) => c.id)).toContain('cluster-storage-class');
    expect(pre.map((c) => c.id)).not.toContain('permissions-inspect');
    const installed = selectChecks(doctorChecks, false, undefined);
    expect(installed.map((c) => c.id)).not.toContain('cluster-storage-class');
    expect([...new Set(installed.map((c) => c.category))]).toEqual([...categories]);
  });

  it('--category picks categories, repeated or comma-separated', () => {
    const chosen = selectChecks(doctorChecks, false, ['database', 'api,agent']);
    expect([...new Set(chosen.map((c) => c.category))]).toEqual(['database', 'api', 'agent']);
  });

  it('an unknown category, or one with nothing to run, is bad input', () => {
    expect(() => selectChecks(doctorChecks, false, ['databse'])).toThrow(InputError);
    expect(() => selectChecks(doctorChecks, true, ['database'])).toThrow(
      /--category database has no checks with --pre/,
    );
  });
});

describe('doctor never crashes', () => {
  it('with no kubectl and no helm, every check answers: fail for the tools, warnings that say why', async () => {
    const results = await inspect(
      {
        namespace: 'prefect',
        release: 'prefect-server',
        context: undefined,
        kubeconfig: undefined,
        pre: false,
        databaseUrl: undefined,
        addressGraceSeconds: 180,
        env: {
          PATH: '/nonexistent',
          PREFECT_SERVER_KUBECTL: '/nonexistent/kubectl',
          PREFECT_SERVER_HELM: '/nonexistent/helm',
          PREFECT_SERVER_GPG: '/nonexistent/gpg',
        },
      },
      selectChecks(doctorChecks, false, undefined),
    );
    expect(results).toHaveLength(selectChecks(doctorChecks, false, undefined).length);
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(byId.get('tools-kubectl')).toMatchObject({
      status: 'fail',
      message:
        'PREFECT_SERVER_KUBECTL points at /nonexistent/kubectl, which is not an executable file.',
    });
    expect(byId.get('tools-helm')?.status).toBe('fail');
    expect(byId.get('tools-gpg')?.status).toBe('warn');
    for (const r of results.filter(
      (r) => !r.id.startsWith('tools-') && r.id !== 'cluster-reachable',
    )) {
      expect(r.status, r.id).toBe('warn');
      expect(r.message, r.id).toMatch(/^(skipped|cannot run|could not run)/);
    }
  });
});

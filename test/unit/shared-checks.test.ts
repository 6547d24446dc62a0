// The checks install's preflight and doctor share (one id, one behaviour each), judged over
// hand-written facts; where the two copies they replace disagreed, the behaviour kept is pinned
// here (see the commit message for why each was kept).
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CheckFacts, ServerAnswer } from '../../src/checks/check-facts.js';
import {
  ingressClassCheck,
  judgeIngressClass,
  judgeStorageClass,
  namespaceCheck,
  reachableCheck,
  storageClassCheck,
} from '../../src/checks/cluster.js';
import { CannotRun } from '../../src/checks/context.js';
import { canCreate, kindsToAsk, permissionChecks } from '../../src/checks/permissions.js';
import { preflightChecks, preflightIds } from '../../src/checks/preflight.js';
import { heldKey, secretKeysLine } from '../../src/checks/secret-key.js';
import { helmCheck, toolChecks } from '../../src/checks/tools.js';
import { doctorChecks } from '../../src/doctor/run-doctor.js';
import { UserError } from '../../src/errors.js';
import { buildPlan, type InstallAnswers } from '../../src/plan/install-plan.js';
import type { Helm } from '../../src/tools/helm.js';
import type { ClassObject } from '../../src/tools/kube-objects.js';
import { type Check, outcomeLines, runChecks } from '../../src/ui/check.js';

const storage = (name: string, isDefault = false): ClassObject => ({
  kind: 'StorageClass',
  metadata: {
    name,
    annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
  },
});
const ingress = (name: string, isDefault = false): ClassObject => ({
  kind: 'IngressClass',
  metadata: {
    name,
    annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {},
  },
});

function facts(
  over: Partial<CheckFacts> & { answers?: InstallAnswers; allowed?: (key: string) => boolean } = {},
): CheckFacts {
  const { answers, allowed = () => true, ...rest } = over;
  return {
    namespace: 'prefect',
    plan: answers ? buildPlan({ namespace: 'prefect', ...answers }) : undefined,
    beforeInstall: true,
    contextFlag: undefined,
    helm: async () => ({ version: 'v3.22.0' }) as Helm,
    server: async (): Promise<ServerAnswer> => ({ version: 'v1.33.1' }),
    reachable: async () => 'v1.33.1',
    namespaceExists: async () => true,
    classes: async () => ({ storageClasses: [storage('standard', true)], ingressClasses: [] }),
    access: async (questions) =>
      new Map(
        questions.map((q) => [`${q.verb} ${q.resource}`, allowed(`${q.verb} ${q.resource}`)]),
      ),
    releaseFeatures: async () => undefined,
    ...rest,
  };
}

describe('one check per question, the same object in install and in doctor', () => {
  it('preflight runs, by id, checks doctor lists under the same id and title', () => {
    expect(new Set(preflightChecks.map((c) => c.id))).toEqual(new Set(preflightIds));
    const doctorIds = new Map(doctorChecks.map((c) => [c.id, c.title]));
    for (const id of [
      'tools-helm',
      'cluster-namespace',
      'permissions-create',
      'cluster-storage-class',
      'cluster-ingress-class',
    ])
      expect(doctorIds.get(id), id).toBe(preflightChecks.find((c) => c.id === id)?.title);
    // Ids that meant different things in the two copies are now distinct.
    expect(preflightChecks.map((c) => c.id)).not.toContain('database-secret');
    expect(doctorIds.has('database-secret')).toBe(true);
    expect(toolChecks[0]?.id).toBe(helmCheck.id);
    expect(permissionChecks[0]?.id).toBe(canCreate.id);
  });
});

describe('tools-helm: the helm version rule', () => {
  it.each([
    ['v3.8.0', 'pass', 'helm v3.8.0'],
    ['v4.0.1', 'pass', 'helm v4.0.1'],
    ['v3.7.2', 'fail', 'helm v3.7.2 is too old: 3.8 or newer, or 4, is needed'],
    // preflight's copy called an unreadable version "too old"; doctor's rule says what it read.
    ['unknown', 'fail', 'helm reported the version "unknown", which is not vMAJOR.MINOR'],
  ])('%s: %s', async (version, status, message) => {
    const result = await helmCheck.run(facts({ helm: async () => ({ version }) as Helm }));
    expect(result).toMatchObject({ status, message });
    if (status === 'fail') expect(result.hint).toContain('PREFECT_SERVER_HELM');
  });
});

describe('cluster-reachable', () => {
  it('names where it looked (the facts say it) and gives one hint', async () => {
    const down = (where: string) =>
      facts({
        contextFlag: 'kind-x',
        server: async () => ({ reason: 'connection refused', where, kubeconfigMissing: false }),
      });
    expect(await reachableCheck.run(down('context kind-x (https://127.0.0.1:1)'))).toMatchObject({
      status: 'fail',
      message: 'cannot reach context kind-x (https://127.0.0.1:1): connection refused',
      hint: 'Check the cluster and your credentials: kubectl cluster-info --context kind-x',
    });
    expect(
      await reachableCheck.run(
        facts({
          server: async () => ({
            reason: 'x',
            where: 'the kubeconfig /nope does not exist',
            kubeconfigMissing: true,
          }),
        }),
      ),
    ).toMatchObject({
      status: 'fail',
      message: 'the kubeconfig /nope does not exist',
      hint: expect.stringContaining('Point KUBECONFIG'),
    });
    expect(await reachableCheck.run(facts())).toMatchObject({
      status: 'pass',
      message: 'Kubernetes v1.33.1',
    });
  });
});

describe('cluster-namespace', () => {
  const missing = { namespaceExists: async () => false };
  it('install: refused without --create-namespace (bad input), else created when allowed', async () => {
    expect(await namespaceCheck.run(facts({ ...missing, answers: {} }))).toMatchObject({
      status: 'fail',
      message: 'namespace prefect does not exist',
      badInput: true,
    });
    const create = { ...missing, answers: { createNamespace: true } };
    expect(await namespaceCheck.run(facts(create))).toMatchObject({
      status: 'pass',
      message: 'namespace prefect will be created',
    });
    expect(
      await namespaceCheck.run(facts({ ...create, allowed: (k) => k !== 'create namespaces' })),
    ).toMatchObject({ status: 'fail', message: 'you may not create namespace prefect' });
  });

  it('doctor --pre warns; doctor of a release fails as bad input', async () => {
    expect(await namespaceCheck.run(facts(missing))).toMatchObject({
      status: 'warn',
      hint: 'install creates it with --create-namespace: prefect-server install -n prefect --create-namespace',
    });
    expect(await namespaceCheck.run(facts({ ...missing, beforeInstall: false }))).toMatchObject({
      status: 'fail',
      badInput: true,
    });
  });
});

describe('permissions-create', () => {
  it('an install asks for exactly the kinds of its plan; a denial fails (never only warns)', async () => {
    const result = await canCreate.run(
      facts({
        answers: { agent: true },
        allowed: (k) => k !== 'create roles.rbac.authorization.k8s.io',
      }),
    );
    expect(result).toMatchObject({
      status: 'fail',
      message: 'you may not create roles.rbac.authorization.k8s.io in namespace prefect',
    });
    // doctor's wording of a pass, for both.
    expect(await canCreate.run(facts({ answers: { tenant: false } }))).toMatchObject({
      status: 'pass',
      message: 'may create all 6 kinds of object the chart creates in prefect',
    });
  });

  it('doctor --pre: the bundled database kinds are required, the optional ones only warn', async () => {
    expect(kindsToAsk(undefined).required).toContain('statefulsets.apps');
    expect(await canCreate.run(facts({ allowed: (k) => k !== 'create jobs.batch' }))).toMatchObject(
      { status: 'warn', message: expect.stringContaining('no the tenant Job (--tenant)') },
    );
  });
});

describe('cluster-storage-class and cluster-ingress-class', () => {
  it('a class the plan names must exist: bad input naming the ones there are', () => {
    expect(judgeStorageClass([storage('standard', true)], 'gold')).toMatchObject({
      status: 'fail',
      message: 'StorageClass gold does not exist (the cluster has: standard)',
      hint: 'Choose one with --db-storage-class.',
      badInput: true,
    });
    expect(judgeIngressClass([ingress('nginx')], { wanted: 'traefik' })).toMatchObject({
      status: 'fail',
      message: 'IngressClass traefik does not exist (the cluster has: nginx)',
      badInput: true,
    });
  });

  it('the default StorageClass is said one way for both; without one, a warning naming a class to pass', () => {
    expect(judgeStorageClass([storage('standard', true)], undefined).message).toBe(
      'the default StorageClass is standard',
    );
    expect(judgeStorageClass([storage('fast')], undefined)).toMatchObject({
      status: 'warn',
      message: 'no default StorageClass (the cluster has: fast)',
      hint: 'Name one at install: --db-storage-class fast',
    });
    expect(judgeStorageClass([], undefined).status).toBe('warn');
  });

  it('an install with Ingresses needs a default class when it names none; doctor --pre any class', () => {
    expect(judgeIngressClass([ingress('nginx')], { wanted: undefined }).status).toBe('warn');
    expect(judgeIngressClass([ingress('nginx', true)], { wanted: undefined }).status).toBe('pass');
    expect(judgeIngressClass([ingress('nginx')], undefined).status).toBe('pass');
    expect(judgeIngressClass([], undefined).status).toBe('warn');
  });

  it('a plan without a volume or an Ingress needs no class; a class list one may not read cannot run', async () => {
    expect(await storageClassCheck.run(facts({ answers: {} }))).toMatchObject({
      status: 'pass',
      message: 'no volume needed',
    });
    expect(await ingressClassCheck.run(facts({ answers: {} }))).toMatchObject({
      message: 'no Ingress',
    });
    const hidden = facts({
      classes: async () => ({ storageClasses: undefined, ingressClasses: undefined }),
    });
    await expect(storageClassCheck.run(hidden)).rejects.toThrow(
      'cannot run: you may not list StorageClasses',
    );
  });
});

describe('the one runner and the one renderer', () => {
  const throwing = (error: unknown): Check<undefined> => ({
    id: 'x-y',
    category: 'x',
    title: 'a check',
    run: async () => {
      throw error;
    },
  });

  it('a check that cannot run is a warning with its own words; any other throw says "could not run"', async () => {
    const [skipped, broken, plain] = await runChecks(
      [
        throwing(new CannotRun('skipped: the cluster is not reachable', 'See above.')),
        throwing(new UserError('no helm', { hint: 'Install helm.' })),
        throwing(new Error('boom')),
      ],
      undefined,
    );
    expect(skipped).toMatchObject({
      status: 'warn',
      message: 'skipped: the cluster is not reachable',
      hint: 'See above.',
    });
    expect(broken).toMatchObject({
      status: 'warn',
      message: 'could not run: no helm',
      hint: 'Install helm.',
    });
    expect(plain).toMatchObject({
      status: 'warn',
      message: 'could not run: boom',
      hint: undefined,
    });
  });

  it('prints mark, title and message; hint lines and details under what did not pass', () => {
    const lines = outcomeLines({
      id: 'x-y',
      category: 'x',
      title: 'a check',
      status: 'fail',
      message: 'broken',
      hint: 'first\nsecond',
      details: ['detail'],
    });
    expect(lines.map((l) => stripVTControlCharacters(l))).toEqual([
      '✗ a check: broken',
      '    first',
      '    second',
      '    detail',
    ]);
    expect(
      outcomeLines({
        id: 'x',
        category: 'x',
        title: 't',
        status: 'pass',
        message: 'ok',
        hint: 'h',
      }),
    ).toHaveLength(1);
  });
});

describe('the Secret holds the key', () => {
  it('the first key the chart reads that the Secret holds', () => {
    expect(
      heldKey({ 'postgres-password': 'x' }, ['postgresql-password', 'postgres-password']),
    ).toBe('postgres-password');
    expect(heldKey(['password'], ['postgresql-password'])).toBeUndefined();
    expect(secretKeysLine([])).toBe('no keys');
    expect(secretKeysLine(['a', 'b'])).toBe('a, b');
  });
});

// Install's preflight: everything that would make `helm install` fail half-way, checked before
// anything is created. It is a chosen subset of the checks doctor runs (by id, through the same
// runner, ui/check.ts's runChecks), over install's facts (install-facts.ts, read over the API
// client), plus the few questions only an install with a plan asks. The reachability check runs
// first (nothing else can answer without it); the rest run concurrently.
import type { InstallPlan } from '../plan/install-plan.js';
import { targetLine } from '../release/release-flags.js';
import { type ReleaseRecord, unfinishedInstall } from '../release/release-records.js';
import type { Helm } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import {
  type Check,
  type CheckOutcome,
  chooseChecks,
  fail,
  pass,
  runChecks,
  warn,
} from '../ui/check.js';
import { passwordSecretKeys, valuesEraFor } from '../values/values-era.js';
import { ingressClassCheck, namespaceCheck, reachableCheck, storageClassCheck } from './cluster.js';
import { type InstallFacts, installFacts } from './install-facts.js';
import { canCreate } from './permissions.js';
import { heldKey, secretKeysLine } from './secret-key.js';
import { helmCheck } from './tools.js';

export interface PreflightContext {
  plan: InstallPlan;
  kubectl: Kubectl;
  helm: Helm;
  /** --adopt: an existing release of the same name is upgraded instead of refused */
  adopt: boolean;
  /** The release's records when the caller already asked for them */
  release?: Promise<ReleaseRecord[]>;
}

const releaseNameFree: Check<InstallFacts> = {
  id: 'release-name',
  category: 'release',
  title: 'the release name is free',
  async run({ plan, adopt, release }) {
    const records = await release().catch(() => []);
    const existing = records.at(-1);
    if (!existing) return pass(`no release named ${plan.release} in ${plan.namespace}`);
    const unfinished = unfinishedInstall(records);
    if (unfinished) return pass(`the unfinished install (${unfinished}) will be replaced`);
    if (adopt)
      return pass(`release ${plan.release} (${existing.status}) will be upgraded (--adopt)`);
    return fail(
      `release ${plan.release} already exists in ${plan.namespace} (status ${existing.status}, chart ${existing.chart})`,
      `Change it with: prefect-server upgrade ${targetLine({ namespace: plan.namespace, release: plan.release, ...plan.cluster }, { alwaysRelease: true })}   (or pass --adopt, or choose another --release)`,
      true,
    );
  },
};

/** The Secret named for an external database's password holds a key the target chart reads. */
const databasePasswordSecret: Check<InstallFacts> = {
  id: 'database-existing-secret',
  category: 'database',
  title: 'the database password Secret holds the password',
  async run({ plan, secret }) {
    if (plan.database.mode !== 'external' || plan.database.password.source !== 'existing-secret') {
      return pass('no existing Secret to check');
    }
    const name = plan.database.password.secretName;
    // The key the target chart reads (postgresql-password up to 2022.04.14, postgres-password
    // from 2022.09.07; either for our chart).
    const keys = passwordSecretKeys(valuesEraFor(plan.chart));
    const key = keys[0] as string;
    const found = await secret(name);
    if (!found) {
      return fail(
        `Secret ${name} does not exist in ${plan.namespace}`,
        `Create it without putting the password in your shell history: kubectl create secret generic ${name} -n ${plan.namespace} --from-file=${key}=/path/to/password-file`,
        true,
      );
    }
    const data = found.data ?? {};
    const held = heldKey(data, keys);
    if (held === undefined) {
      const chart =
        plan.chart.source === 'repo' ? `chart ${plan.chart.version ?? '(latest)'}` : 'the chart';
      return fail(
        `Secret ${name} has no key ${keys.join(' or ')} (it has: ${secretKeysLine(Object.keys(data))})`,
        `${chart} reads the password from the key ${key}; add it to the Secret.`,
        true,
      );
    }
    return pass(`Secret ${name} holds ${held}`);
  },
};

const pullSecrets: Check<InstallFacts> = {
  id: 'cluster-image-pull-secrets',
  category: 'cluster',
  title: 'image pull Secrets exist',
  async run({ plan, secret }) {
    if (plan.imagePullSecrets.length === 0) return pass('none used');
    const found = await Promise.all(plan.imagePullSecrets.map((name) => secret(name)));
    const missing = plan.imagePullSecrets.filter((_, i) => found[i] === undefined);
    return missing.length === 0
      ? pass(`${plan.imagePullSecrets.length} found`)
      : warn(
          `image pull Secret ${missing.join(', ')} not found in ${plan.namespace}: pods may fail with ImagePullBackOff`,
          'Create it with kubectl create secret docker-registry ...',
        );
  },
};

/** Every check an install can run: doctor's shared ones first, then install's own. */
const installChecks: Check<InstallFacts>[] = [
  reachableCheck,
  helmCheck,
  namespaceCheck,
  canCreate,
  storageClassCheck,
  ingressClassCheck,
  releaseNameFree,
  databasePasswordSecret,
  pullSecrets,
];

/** What preflight runs after the cluster answered, by id. */
export const preflightIds = [
  'tools-helm',
  'cluster-namespace',
  'permissions-create',
  'release-name',
  'cluster-storage-class',
  'cluster-ingress-class',
  'database-existing-secret',
  'cluster-image-pull-secrets',
] as const;

export const preflightChecks = chooseChecks(installChecks, preflightIds);

/** Reachability first, then everything else at once. */
export async function runPreflight(context: PreflightContext): Promise<CheckOutcome[]> {
  const facts = installFacts(context);
  const [reachable] = await runChecks(chooseChecks(installChecks, ['cluster-reachable']), facts);
  if (!reachable || reachable.status === 'fail') return reachable ? [reachable] : [];
  return [reachable, ...(await runChecks(preflightChecks, facts))];
}

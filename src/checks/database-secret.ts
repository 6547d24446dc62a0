// The Secret the pods read the database password from: read once (the password decoded in
// memory only, never printed) and judged.
import { type CheckResult, fail, pass } from '../ui/check.js';
import { CannotRun, type DoctorContext } from './context.js';
import { databaseTarget } from './database-target.js';
import type { DoctorCheck } from './doctor-check.js';
import { heldKey, secretKeysLine } from './secret-key.js';

export interface SecretFact {
  name: string;
  key: string;
  exists: boolean;
  keys: string[];
  /** Decoded, in memory only. */
  password: string | undefined;
}

export function judgeSecret(fact: SecretFact, namespace: string): CheckResult {
  const recreate = `kubectl create secret generic ${fact.name} -n ${namespace} --from-file=${fact.key}=PASSWORD_FILE --dry-run=client -o yaml | kubectl apply -f -`;
  if (!fact.exists) {
    return fail(
      `Secret ${fact.name}, which holds the database password, does not exist in ${namespace}`,
      `Create it without putting the password in your shell history: ${recreate}`,
    );
  }
  // The same `postgresql.existingSecret` line meant two keys: postgresql-password up to chart
  // 2022.04.14, postgres-password from 2022.09.07. A Secret written for the other era is the
  // usual cause, and the cure is different: say which it is.
  const otherEra = {
    'postgres-password': 'postgresql-password',
    'postgresql-password': 'postgres-password',
  }[fact.key];
  if (!fact.keys.includes(fact.key) && otherEra && fact.keys.includes(otherEra)) {
    const eraOf = (key: string) =>
      key === 'postgresql-password' ? 'charts up to 2022.04.14' : 'charts from 2022.09.07';
    return fail(
      `Secret ${fact.name} holds the password under ${otherEra} (the key ${eraOf(otherEra)} read), but the pods read ${fact.key} (the key ${eraOf(fact.key)} read)`,
      `Copy it under ${fact.key} too, without printing it: kubectl get secret ${fact.name} -n ${namespace} -o json | jq '.data["${fact.key}"] = .data["${otherEra}"]' | kubectl apply -f -   (this project's chart reads whichever of the two the Secret holds: prefect-server upgrade then picks it up too)`,
      true,
    );
  }
  if (heldKey(fact.keys, [fact.key]) === undefined) {
    return fail(
      `Secret ${fact.name} has no key ${fact.key} (it has: ${secretKeysLine(fact.keys)}); the pods read the password from ${fact.key}`,
      `Put the password under ${fact.key}: ${recreate}`,
      true,
    );
  }
  if (!fact.password) {
    return fail(
      `key ${fact.key} of Secret ${fact.name} is empty`,
      `Put the password there: ${recreate}`,
    );
  }
  return pass(`Secret ${fact.name} holds the password under ${fact.key}`);
}

export function secretFact(ctx: DoctorContext): Promise<SecretFact> {
  return ctx.shared('database-secret', async () => {
    const { secret } = await databaseTarget(ctx);
    if (!secret) throw new CannotRun('skipped: hasura takes PGPASSWORD from no Secret');
    const api = await ctx.api();
    let found: { data?: Record<string, string> } | undefined;
    try {
      found = await api.get(`/api/v1/namespaces/${ctx.namespace}/secrets/${secret.name}`);
    } catch (error) {
      throw new CannotRun(
        `cannot read Secret ${secret.name}: ${error instanceof Error ? error.message : String(error)}`,
        `Run doctor as a user who may read Secrets in ${ctx.namespace}.`,
      );
    }
    if (found === undefined) return { ...secret, exists: false, keys: [], password: undefined };
    const data = found.data ?? {};
    const encoded = data[secret.key];
    return {
      ...secret,
      exists: true,
      keys: Object.keys(data).sort(),
      password: encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined,
    };
  });
}

export const secretCheck: DoctorCheck = {
  id: 'database-secret',
  category: 'database',
  title: 'the password Secret holds the password',
  when: 'installed',
  async run(ctx) {
    return judgeSecret(await secretFact(ctx), ctx.namespace);
  },
};

// What e2e tests use to talk to the test cluster: real kubectl and helm processes, each pinned to
// the test kubeconfig, and one namespace per test file.
import { randomBytes } from 'node:crypto';
import { execa, type Options, type Result } from 'execa';
import { afterAll, inject } from 'vitest';
import { kubectlPath } from '../../support/tools.js';
import { podReferenceProblems, type ReferenceOptions } from './pod-references.js';

export function kubeconfig(): string {
  return inject('kubeconfig');
}

/** An environment for child processes that can only ever reach the test cluster. */
export function clusterEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { KUBECONFIG: _ignored, ...rest } = process.env;
  return { ...rest, KUBECONFIG: kubeconfig(), NO_COLOR: '1', ...extra };
}

export async function kubectl(args: string[], options: Options = {}): Promise<Result> {
  return execa(kubectlPath(), ['--kubeconfig', kubeconfig(), ...args], {
    env: clusterEnv(),
    ...options,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: kubectl's JSON is checked by the assertions that read it
export async function kubectlJson<T = any>(args: string[]): Promise<T> {
  const result = await kubectl([...args, '-o', 'json']);
  return JSON.parse(String(result.stdout)) as T;
}

export async function helm(
  helmPath: string,
  args: string[],
  options: Options = {},
): Promise<Result> {
  return execa(helmPath, [...args, '--kubeconfig', kubeconfig()], {
    env: clusterEnv(),
    ...options,
  });
}

/**
 * A database password Secret holding one key, as a user writes it for one era of the chart
 * (postgresql-password up to 2022.04.14, postgres-password from 2022.09.07). The value is a
 * dummy: no test here opens the database with it.
 */
export async function createPasswordSecret(
  namespace: string,
  name: string,
  key: string,
): Promise<void> {
  await kubectl([
    'create',
    'secret',
    'generic',
    name,
    '-n',
    namespace,
    `--from-literal=${key}=not-a-real-one`,
  ]);
}

export interface NamespaceOptions extends ReferenceOptions {
  /** The test breaks references on purpose (e.g. doctor's missing-Secret checks). */
  brokenReferencesExpected?: boolean;
}

/**
 * A fresh namespace; the returned function deletes it (without waiting for finalizers), after
 * checking that every Secret, key, ConfigMap, ServiceAccount and image its pods name exists,
 * which kwok never checks (support/pod-references.ts). A problem fails the test that removes it.
 */
export async function createNamespace(
  prefix: string,
  options: NamespaceOptions = {},
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  await kubectl(['create', 'namespace', name]);
  // Pods cannot be created until the ServiceAccount controller made `default` here.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = await kubectl(['get', 'serviceaccount', 'default', '-n', name], {
      reject: false,
    });
    if (found.exitCode === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name,
    remove: async () => {
      const problems = options.brokenReferencesExpected
        ? []
        : await podReferenceProblems(name, options).catch((error: unknown) => [
            `could not list the namespace's objects: ${String(error)}`,
          ]);
      await kubectl(['delete', 'namespace', name, '--wait=false'], { reject: false });
      if (problems.length) {
        throw new Error(
          `Pods in namespace ${name} named things that do not exist (kwok runs them anyway):\n  ${problems.join('\n  ')}`,
        );
      }
    },
  };
}

/** For one test file: `namespace(prefix)` makes a fresh namespace, deleted after all its tests. */
export function namespacesForThisFile(): (
  prefix: string,
  options?: NamespaceOptions,
) => Promise<string> {
  const removals: (() => Promise<void>)[] = [];
  afterAll(async () => {
    // One namespace at a time: a file with many namespaces would otherwise start dozens of
    // kubectl processes at once on a two-core machine.
    const failed: string[] = [];
    for (const remove of removals) await remove().catch((error) => failed.push(String(error)));
    if (failed.length) throw new Error(failed.join('\n'));
  });
  return async (prefix, options) => {
    const ns = await createNamespace(prefix, options);
    removals.push(ns.remove);
    return ns.name;
  };
}

/** Polls until `check` returns a value other than undefined, or fails with `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

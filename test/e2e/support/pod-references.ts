// kwok makes a pod Ready without mounting anything: a pod whose Secret, key, ConfigMap or
// ServiceAccount does not exist, or whose image was never published, still looks healthy here,
// while on a real node it would sit in CreateContainerConfigError or ImagePullBackOff. Every e2e
// namespace is checked with this at teardown (support/cluster.ts), and tests call it after
// installs, so such a release can never pass.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { kubectlJson } from './cluster.js';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are read by deep paths.
type K8s = Record<string, any>;

const shared = resolve(import.meta.dirname, '../../../../shared/original-chart');

/**
 * Images known to have been published: every image the original chart's published packages
 * pinned or rendered (contract.json, the 18 values files, server/apollo at every released
 * version), plus the few our chart adds, each with where it is known from.
 */
function publishedImages(): Set<string> {
  const images = new Set<string>();
  const contract = JSON.parse(readFileSync(resolve(shared, 'contract.json'), 'utf8'));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'image' && typeof value === 'string') images.add(value);
        else walk(value);
      }
    }
  };
  walk(contract.cases);
  for (const file of readdirSync(resolve(shared, 'values'))) {
    const version = file.replace(/\.yaml$/, '');
    const values = parse(readFileSync(resolve(shared, 'values', file), 'utf8')) as K8s;
    // apollo, graphql and towel images are tagged with the chart's appVersion = its version.
    images.add(`prefecthq/server:${version}`);
    images.add(`prefecthq/apollo:${version}`);
    if (values.hasura?.image?.tag) images.add(`hasura/graphql-engine:${values.hasura.image.tag}`);
    if (values.prefectVersionTag) images.add(`prefecthq/prefect:${values.prefectVersionTag}`);
    if (values.uiVersionTag) images.add(`prefecthq/ui:${values.uiVersionTag}`);
  }
  // The official PostgreSQL image of our bundled database: Docker's library image publishes every
  // major version as a tag (https://hub.docker.com/_/postgres).
  for (const major of ['11', '12', '13', '14', '15', '16', '17']) images.add(`postgres:${major}`);
  return images;
}

let published: Set<string> | undefined;

export interface ReferenceOptions {
  /** Images a test set on purpose (e.g. a tag it checks is passed through). */
  extraImages?: string[];
}

function podSpecsOf(list: K8s[]): { where: string; spec: K8s }[] {
  return list.flatMap((object) => {
    const where = `${object.kind}/${object.metadata.name}`;
    const spec =
      object.kind === 'Pod'
        ? object.spec
        : object.kind === 'CronJob'
          ? object.spec?.jobTemplate?.spec?.template?.spec
          : object.spec?.template?.spec;
    return spec ? [{ where, spec }] : [];
  });
}

/** What the pods and pod templates of a namespace name that does not exist, one line each. */
export async function podReferenceProblems(
  namespace: string,
  options: ReferenceOptions = {},
): Promise<string[]> {
  published ??= publishedImages();
  const [workloads, secrets, configMaps, serviceAccounts] = await Promise.all([
    kubectlJson(['get', 'pods,deployments,statefulsets,jobs,cronjobs,daemonsets', '-n', namespace]),
    kubectlJson(['get', 'secrets', '-n', namespace]),
    kubectlJson(['get', 'configmaps', '-n', namespace]),
    kubectlJson(['get', 'serviceaccounts', '-n', namespace]),
  ]);
  const dataKeys = (items: K8s[]) =>
    new Map<string, Set<string>>(
      items.map((item) => [
        item.metadata.name,
        new Set([...Object.keys(item.data ?? {}), ...Object.keys(item.binaryData ?? {})]),
      ]),
    );
  const secretKeys = dataKeys(secrets.items);
  const configMapKeys = dataKeys(configMaps.items);
  const accounts = new Set<string>(serviceAccounts.items.map((sa: K8s) => sa.metadata.name));
  const images = new Set([...(published as Set<string>), ...(options.extraImages ?? [])]);
  const problems: string[] = [];

  const need = (
    where: string,
    kind: 'Secret' | 'ConfigMap',
    name: string,
    key: string | undefined,
    optional: boolean | undefined,
  ) => {
    if (optional) return;
    const keys = (kind === 'Secret' ? secretKeys : configMapKeys).get(name);
    if (!keys) problems.push(`${where}: ${kind} ${name} does not exist`);
    else if (key !== undefined && !keys.has(key))
      problems.push(
        `${where}: ${kind} ${name} has no key ${key} (it has: ${[...keys].join(', ')})`,
      );
  };

  for (const { where, spec } of podSpecsOf(workloads.items)) {
    const account = spec.serviceAccountName ?? 'default';
    if (!accounts.has(account)) problems.push(`${where}: ServiceAccount ${account} does not exist`);
    for (const pull of spec.imagePullSecrets ?? [])
      need(where, 'Secret', pull.name, undefined, false);
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    for (const container of containers) {
      const at = `${where} container ${container.name}`;
      if (!images.has(container.image))
        problems.push(`${at}: image ${container.image} is not one known to be published`);
      for (const env of container.env ?? []) {
        const secret = env.valueFrom?.secretKeyRef;
        if (secret) need(at, 'Secret', secret.name, secret.key, secret.optional);
        const configMap = env.valueFrom?.configMapKeyRef;
        if (configMap) need(at, 'ConfigMap', configMap.name, configMap.key, configMap.optional);
      }
      for (const from of container.envFrom ?? []) {
        if (from.secretRef)
          need(at, 'Secret', from.secretRef.name, undefined, from.secretRef.optional);
        if (from.configMapRef)
          need(at, 'ConfigMap', from.configMapRef.name, undefined, from.configMapRef.optional);
      }
    }
    const sources: {
      kind: 'Secret' | 'ConfigMap';
      name: string;
      items?: K8s[];
      optional?: boolean;
    }[] = [];
    for (const volume of spec.volumes ?? []) {
      if (volume.secret)
        sources.push({ kind: 'Secret', name: volume.secret.secretName, ...volume.secret });
      if (volume.configMap) sources.push({ kind: 'ConfigMap', ...volume.configMap });
      for (const projected of volume.projected?.sources ?? []) {
        if (projected.secret) sources.push({ kind: 'Secret', ...projected.secret });
        if (projected.configMap) sources.push({ kind: 'ConfigMap', ...projected.configMap });
      }
    }
    for (const source of sources) {
      const at = `${where} volume`;
      if (!source.items?.length) need(at, source.kind, source.name, undefined, source.optional);
      for (const item of source.items ?? [])
        need(at, source.kind, source.name, item.key, source.optional);
    }
  }
  return [...new Set(problems)];
}

/** Fails with every missing Secret, key, ConfigMap, ServiceAccount or unpublished image. */
export async function assertPodReferencesExist(
  namespace: string,
  options: ReferenceOptions = {},
): Promise<void> {
  const problems = await podReferenceProblems(namespace, options);
  if (problems.length) {
    throw new Error(
      `Pods in namespace ${namespace} name things that do not exist (kwok would run them anyway):\n  ${problems.join('\n  ')}`,
    );
  }
}

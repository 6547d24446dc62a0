// A STAND-IN for "a release installed by hand from the original chart version V" (the seed manual's
// `helm install prefecthq/prefect-server`). It is NOT our chart, and not the original package
// either (tests may not read that): it is a chart generated at test time, in a temp dir, ONLY from
// the data taken from the real published packages in ../shared/original-chart/:
//   - Chart.yaml: name prefect-server, version V, appVersion V (as the packages were);
//   - values.yaml: values/V.yaml verbatim (so helm's release record holds the original defaults,
//     apollo and ui `service.type: LoadBalancer` among them);
//   - templates: the objects contract.json's renders describe for V (case `default`, plus the
//     `agent` case's agent Deployment, Role and RoleBinding when `.Values.agent.enabled`), with the
//     release name and namespace put back where contract.json has `prefect` / placeholders:
//     Deployments (image, command, env with its secretKeyRefs, ports, probes), Services (apollo's
//     and ui's type from `.Values.<c>.service.type`), Bitnami's StatefulSet `R-postgresql` (image,
//     selector and labels per Bitnami major, claim template `data` when persistence is on), the
//     database Secret with contract.json's name and keys, and the ServiceAccount.
// What contract.json does not record is filled in plainly and said so below (the database
// container's env values other than its passwords, the sources of its two volumes, the Secret's
// password: random, kept across upgrades with `lookup` as Bitnami's own charts keep theirs).
//
// API: `installOriginalRelease(helmPath, { version, namespace, release, values })` installs it with
// plain helm (no --wait, as the manual does; client-side apply, see below); `serveOriginalCharts(helmPath, versions)` packages
// the stand-ins into a chart repository on 127.0.0.1 (what `prefect-server upgrade --repo-url`
// fetches the release's chart version from); `originalChartDir(version)` only writes the chart.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { helmMajorVersion } from '../../support/tools.js';
import { helmHomes, serve } from './chart-repo.js';
import { helm } from './cluster.js';

const shared = resolve(import.meta.dirname, '../../../../shared/original-chart');

// biome-ignore lint/suspicious/noExplicitAny: contract.json is data read by deep paths.
type Json = Record<string, any>;

let contractCache: Json | undefined;
async function contract(): Promise<Json> {
  contractCache ??= JSON.parse(await readFile(join(shared, 'contract.json'), 'utf8')) as Json;
  return contractCache;
}

/** The versions contract.json renders (a stand-in can be made for these only). */
export async function originalVersions(): Promise<string[]> {
  return Object.keys((await contract()).cases.default.renders);
}

/** contract.json's release and namespace: every name in its renders is made with these. */
const contractRelease = 'prefect';
const contractNamespace = 'prefect';

// Template expressions are put in as markers and swapped in after YAML stringify; every string is
// written double-quoted, so `{{ ... }}` inside them stays a plain YAML string.
const R = '@@RELEASE@@';
const NS = '@@NAMESPACE@@';
const toTemplate = (text: string) =>
  text.replaceAll(R, '{{ .Release.Name }}').replaceAll(NS, '{{ .Release.Namespace }}');

/** `prefect-hasura` -> `R-hasura`: an object name of contract.json's release, for any release. */
function releaseName(name: string): string {
  return name.startsWith(`${contractRelease}-`)
    ? `${R}${name.slice(contractRelease.length)}`
    : name;
}

const placeholders: Record<string, string> = {
  '<HASURA_HOST>': `${R}-hasura.${NS}`,
  '<GRAPHQL_HOST>': `${R}-graphql.${NS}`,
  '<APOLLO_HOST>': `${R}-apollo.${NS}`,
  '<UI_HOST>': `${R}-ui.${NS}`,
  '<POSTGRES_HOST>': `${R}-postgresql.${NS}`,
};

function fillPlaceholders(text: string): string {
  let out = text;
  for (const [placeholder, value] of Object.entries(placeholders))
    out = out.replaceAll(placeholder, value);
  return out;
}

function selectorOf(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels).map(([k, v]) => [
      k,
      k === 'app.kubernetes.io/instance' && v === contractRelease ? R : v,
    ]),
  );
}

function env(entries: Json[]): Json[] {
  return entries.map((entry) => {
    if (entry.valueFrom?.secretKeyRef) {
      const [name, key] = String(entry.valueFrom.secretKeyRef).split('/');
      return {
        name: entry.name,
        valueFrom: { secretKeyRef: { name: releaseName(name as string), key } },
      };
    }
    // The only values that name the release or namespace (contract.json: agent case).
    if (entry.name === 'NAMESPACE' && entry.value === contractNamespace)
      return { name: entry.name, value: NS };
    if (entry.name === 'SERVICE_ACCOUNT_NAME')
      return { name: entry.name, value: releaseName(String(entry.value)) };
    return {
      name: entry.name,
      value: entry.value === null ? '' : fillPlaceholders(String(entry.value)),
    };
  });
}

function probe(p: Json | undefined): Json | undefined {
  if (!p) return undefined;
  const { path, port, type, ...rest } = p;
  if (type !== 'httpGet') throw new Error(`contract.json probe of type ${type} is not handled`);
  return { httpGet: { path, port }, ...rest };
}

function container(c: Json): Json {
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: c.imagePullPolicy,
    ...(c.command && { command: c.command }),
    ...(c.args && { args: c.args }),
    env: env(c.env ?? []),
    ...(c.ports?.length && { ports: c.ports }),
    ...(c.livenessProbe && { livenessProbe: probe(c.livenessProbe) }),
    ...(c.readinessProbe && { readinessProbe: probe(c.readinessProbe) }),
    ...(c.resources && { resources: c.resources }),
  };
}

function componentLabels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'prefect-server',
    'app.kubernetes.io/instance': R,
    'app.kubernetes.io/component': component,
  };
}

function deployment(component: string, c: Json): Json {
  const labels = componentLabels(component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: releaseName(c.name),
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'Helm' },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: releaseName(c.serviceAccountName),
          ...(c.initContainers && { initContainers: c.initContainers.map(container) }),
          containers: c.containers.map(container),
        },
      },
    },
  };
}

function service(name: string, s: Json): Json {
  const component = s.selector['app.kubernetes.io/component'];
  const typed = name === `${contractRelease}-apollo` || name === `${contractRelease}-ui`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: releaseName(name), labels: selectorOf(s.selector) },
    spec: {
      // apollo's and ui's type comes from the values, as in the original (LoadBalancer by default).
      type: typed ? `@@TYPE_${component}@@` : s.type,
      ...(s.clusterIP && { clusterIP: s.clusterIP }),
      ports: s.ports.map((p: Json) =>
        Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null)),
      ),
      selector: selectorOf(s.selector),
    },
  };
}

/** Which values keys hold the database volume in V: Bitnami 9 (<= 2022.04.14) or 11. */
function persistenceKey(version: string): string {
  return version >= '2022.09.07'
    ? '.Values.postgresql.primary.persistence'
    : '.Values.postgresql.persistence';
}

function statefulSet(version: string, db: Json, dbSecret: Json, withVolume: boolean): Json {
  const selector = selectorOf(db.selector);
  const secretName = releaseName(dbSecret.name);
  const keys: string[] = dbSecret.keys;
  // Bitnami 11 has `postgres-password` (superuser) and `password` (the user); Bitnami 9 has one.
  const userKey = keys.includes('password') ? 'password' : (keys[0] as string);
  const superKey = keys.includes('postgres-password') ? 'postgres-password' : undefined;
  // contract.json records the env names only; the values below are what FACTS.md says of Bitnami
  // (port, volume dir, PGDATA) or plain, and every password comes from the Secret.
  const known: Record<string, Json> = {
    POSTGRESQL_PORT_NUMBER: { value: '5432' },
    POSTGRESQL_VOLUME_DIR: { value: '/bitnami/postgresql' },
    PGDATA: { value: '/bitnami/postgresql/data' },
    POSTGRES_USER: { value: 'prefect' },
    POSTGRES_DB: { value: 'prefect' },
    POSTGRES_PASSWORD: { valueFrom: { secretKeyRef: { name: secretName, key: userKey } } },
    ...(superKey && {
      POSTGRES_POSTGRES_PASSWORD: {
        valueFrom: { secretKeyRef: { name: secretName, key: superKey } },
      },
    }),
  };
  const envList = (db.env as string[]).map((name) => ({ name, ...(known[name] ?? { value: '' }) }));
  const mounts = [...db.volumeMounts];
  if (withVolume) mounts.push({ name: 'data', mountPath: '/bitnami/postgresql' });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: releaseName(db.name), labels: selector },
    spec: {
      replicas: 1,
      serviceName: `${releaseName(db.name)}-${version >= '2022.09.07' ? 'hl' : 'headless'}`,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          securityContext: { fsGroup: 1001 },
          containers: [
            {
              name: 'postgresql',
              image: db.image,
              securityContext: { runAsUser: 1001 },
              env: envList,
              ports: [{ name: 'tcp-postgresql', containerPort: 5432 }],
              volumeMounts: mounts,
            },
          ],
          // The sources are not in contract.json: Bitnami's init scripts ConfigMap and a memory dir.
          volumes: [
            {
              name: 'custom-init-scripts',
              configMap: { name: `${releaseName(db.name)}-init-scripts` },
            },
            { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
          ],
        },
      },
      ...(withVolume && {
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: '@@PG_SIZE@@' } },
            },
          },
        ],
      }),
    },
  };
}

function yamlDocs(objects: Json[]): string {
  return objects
    .map((o) => stringify(o, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }))
    .join('---\n');
}

/**
 * Writes the stand-in chart of `version` into a new temp dir and returns that dir (the chart is
 * `<dir>/prefect-server`).
 */
export async function originalChartDir(version: string): Promise<string> {
  const data = await contract();
  const render = data.cases.default.renders[version] as Json | undefined;
  const agentRender = data.cases.agent.renders[version] as Json | undefined;
  if (!render || !agentRender)
    throw new Error(`contract.json has no default and agent renders of ${version}`);
  const work = await mkdtemp(join(tmpdir(), `original-${version}-`));
  const chart = join(work, 'prefect-server');
  await mkdir(join(chart, 'templates'), { recursive: true });
  await writeFile(
    join(chart, 'Chart.yaml'),
    stringify({
      apiVersion: 'v2',
      name: 'prefect-server',
      description: `Test stand-in of the original prefect-server chart ${version}, generated from ../shared/original-chart data`,
      version,
      appVersion: version,
    }),
  );
  await writeFile(
    join(chart, 'values.yaml'),
    await readFile(join(shared, 'values', `${version}.yaml`), 'utf8'),
  );

  const components = Object.entries(render.components as Json).map(([c, d]) =>
    deployment(c, d as Json),
  );
  const services = Object.entries(render.services as Json).map(([n, s]) => service(n, s as Json));
  const serviceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: releaseName(render.serviceAccount),
      labels: componentLabels('serviceaccount'),
    },
  };
  await writeFile(
    join(chart, 'templates', 'server.yaml'),
    toTemplate(yamlDocs([serviceAccount, ...components, ...services]))
      .replaceAll('@@TYPE_apollo@@', '{{ .Values.apollo.service.type }}')
      .replaceAll('@@TYPE_ui@@', '{{ .Values.ui.service.type }}'),
  );

  const agent = deployment('agent', agentRender.components.agent);
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: releaseName(agentRender.agentRole.name) },
    rules: agentRender.agentRole.rules,
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: releaseName(agentRender.agentRoleBinding.name) },
    roleRef: {
      ...agentRender.agentRoleBinding.roleRef,
      name: releaseName(agentRender.agentRoleBinding.roleRef.name),
    },
    subjects: agentRender.agentRoleBinding.subjects.map((s: Json) => ({
      ...s,
      name: releaseName(s.name),
      namespace: NS,
    })),
  };
  await writeFile(
    join(chart, 'templates', 'agent.yaml'),
    `{{- if .Values.agent.enabled }}\n${toTemplate(yamlDocs([agent, role, binding]))}{{- end }}\n`,
  );

  // The Secret: contract.json's name and keys, each a random password; an existing one is kept.
  const secretName = releaseName(render.dbSecret.name);
  const keys = (render.dbSecret.keys as string[])
    .map(
      (key) =>
        `  ${key}: {{ if $old }}{{ index $old.data "${key}" | quote }}{{ else }}{{ randAlphaNum 20 | b64enc | quote }}{{ end }}`,
    )
    .join('\n');
  const key = persistenceKey(version);
  const withVolume = toTemplate(
    yamlDocs([statefulSet(version, render.database, render.dbSecret, true)]),
  );
  const without = toTemplate(
    yamlDocs([statefulSet(version, render.database, render.dbSecret, false)]),
  );
  const initScripts = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${releaseName(render.database.name)}-init-scripts`,
      labels: selectorOf(render.database.selector),
    },
    data: { 'create_pgcrypto.sql': 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\n' },
  };
  await writeFile(
    join(chart, 'templates', 'postgresql.yaml'),
    [
      '{{- if .Values.postgresql.useSubChart }}',
      `{{- $old := lookup "v1" "Secret" .Release.Namespace (printf "%s-postgresql" .Release.Name) }}`,
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      `  name: ${toTemplate(JSON.stringify(secretName))}`,
      'type: Opaque',
      'data:',
      keys,
      '---',
      toTemplate(yamlDocs([initScripts])).trimEnd(),
      '---',
      `{{- if ${key}.enabled }}`,
      withVolume.replaceAll('@@PG_SIZE@@', `{{ ${key}.size }}`).trimEnd(),
      '{{- else }}',
      without.trimEnd(),
      '{{- end }}',
      '{{- end }}',
      '',
    ].join('\n'),
  );
  return work;
}

export interface OriginalRelease {
  /** The generated chart (a `prefect-server` chart folder), kept until `remove()`. */
  chartDir: string;
  release: string;
  namespace: string;
  version: string;
  /** Deletes the generated chart (not the release). */
  remove: () => Promise<void>;
}

/**
 * `helm install R <stand-in of V> -n NS [-f values]`, without --wait, as the seed manual does it by
 * hand. The namespace must exist. `values` are the user's values (kept by helm as user-supplied).
 */
export async function installOriginalRelease(
  helmPath: string,
  options: { version: string; namespace: string; release: string; values?: Json },
): Promise<OriginalRelease> {
  const work = await originalChartDir(options.version);
  const chartDir = join(work, 'prefect-server');
  const args = ['install', options.release, chartDir, '-n', options.namespace];
  // The original rendered some env names twice (PREFECT_SERVER__HASURA__HOST on towel and apollo,
  // contract.json), which server-side apply refuses: helm 4's default install fails on the real
  // chart. A release installed by hand was therefore applied client-side (helm 3, or helm 4 with
  // --server-side=false), and so is this one.
  if (helmMajorVersion(helmPath) >= 4) args.push('--server-side=false');
  if (options.values) {
    const file = join(work, 'user-values.yaml');
    await writeFile(file, stringify(options.values));
    args.push('-f', file);
  }
  await helm(helmPath, args);
  return {
    chartDir,
    release: options.release,
    namespace: options.namespace,
    version: options.version,
    remove: () => rm(work, { recursive: true, force: true }),
  };
}

/**
 * A chart repository on 127.0.0.1 holding the stand-ins of `versions` (packaged and indexed by
 * helm), e.g. for `prefect-server upgrade --repo-url <url>`.
 */
export async function serveOriginalCharts(
  helmPath: string,
  versions: string[],
): Promise<{ url: string; close: () => Promise<void> }> {
  const work = await mkdtemp(join(tmpdir(), 'original-repo-'));
  const homes = helmHomes(join(work, 'packager'));
  const root = join(work, 'www');
  const made: string[] = [];
  for (const version of versions) {
    const dir = await originalChartDir(version);
    made.push(dir);
    await execa(helmPath, ['package', join(dir, 'prefect-server'), '--destination', root], {
      env: homes,
    });
  }
  const server = await serve(root);
  await execa(helmPath, ['repo', 'index', root, '--url', server.url], { env: homes });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await Promise.all([work, ...made].map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

// Every values key of the original chart (FACTS.md), set in turn: the rendered object where the key
// should act changes, and changes the way the key means.
import { beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import {
  COMPONENT_LABEL,
  container,
  containers,
  decodeSecret,
  envOf,
  envValues,
  type K8sObject,
  NAMESPACE,
  podSpec,
  type Rendered,
  template,
  templateError,
  type Values,
} from './render.js';

interface KeyCase {
  /** The values key, as the original chart spells it. */
  key: string;
  /** The values set on top of the base. */
  set: Values;
  /** Where the key acts: kind and app.kubernetes.io/component of the object. */
  kind: string;
  component: string;
  /** The specific effect (the object may be undefined when the key removes it). */
  check: (object: K8sObject | undefined, rendered: Rendered) => void;
  /** A base other than BASE (e.g. with the feature off, to switch it on). */
  base?: Values;
  /** The object's name, where a component has several of the kind (the database's Services). */
  name?: string;
}

/** Agent and tenant Job on, so their keys have an object to act on. */
const BASE: Values = { agent: { enabled: true }, jobs: { createTenant: { enabled: true } } };
const INGRESS_BASE: Values = {
  apollo: { ingress: { enabled: true, hosts: ['api.example.com'] } },
  ui: { ingress: { enabled: true, hosts: ['ui.example.com'] } },
};
const EXTERNAL_DB: Values = {
  postgresql: {
    useSubChart: false,
    externalHostname: 'db.example.com',
    existingSecret: 'db-secret',
  },
};

function isObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Values with `set` laid over `base` (maps merge, everything else replaces). */
function merge(base: Values, set: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(set)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

/** {a: {b: v}} from 'a.b' and v. */
function at(path: string, value: unknown): Values {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Values;
}

function main(object: K8sObject | undefined): K8sObject {
  expect(object).toBeDefined();
  return podSpec(object as K8sObject).containers[0];
}

function env(object: K8sObject | undefined, name: string): string | undefined {
  return envValues(main(object))[name];
}

const sharedPodKeys = (component: string, kind: string, prefix: string): KeyCase[] => [
  {
    key: `${prefix}.image.name`,
    set: at(`${prefix}.image.name`, 'registry.example.com/mirror'),
    kind,
    component,
    check: (o) => expect(main(o).image).toMatch(/^registry\.example\.com\/mirror:/),
  },
  {
    key: `${prefix}.image.tag`,
    set: at(`${prefix}.image.tag`, 'custom-tag'),
    kind,
    component,
    check: (o) => expect(main(o).image).toMatch(/:custom-tag$/),
  },
  {
    key: `${prefix}.image.pullPolicy`,
    set: at(`${prefix}.image.pullPolicy`, 'Always'),
    kind,
    component,
    check: (o) => expect(main(o).imagePullPolicy).toBe('Always'),
  },
  {
    key: `${prefix}.image.pullSecrets`,
    set: at(`${prefix}.image.pullSecrets`, ['own-cred']),
    kind,
    component,
    check: (o) => expect(podSpec(o as K8sObject).imagePullSecrets).toEqual([{ name: 'own-cred' }]),
  },
  {
    key: `${prefix}.labels`,
    set: at(`${prefix}.labels`, { team: 'data' }),
    kind,
    component,
    check: (o) => {
      expect(o?.metadata.labels.team).toBe('data');
      expect(o?.spec.template.metadata.labels.team).toBe('data');
    },
  },
  {
    key: `${prefix}.annotations`,
    set: at(`${prefix}.annotations`, { 'example.com/owner': 'data' }),
    kind,
    component,
    check: (o) => expect(o?.metadata.annotations['example.com/owner']).toBe('data'),
  },
  {
    key: `${prefix}.podSecurityContext`,
    set: at(`${prefix}.podSecurityContext`, { runAsUser: 4242 }),
    kind,
    component,
    check: (o) => {
      expect(podSpec(o as K8sObject).securityContext.runAsUser).toBe(4242);
      // Merged with the chart's defaults, not replacing them.
      expect(podSpec(o as K8sObject).securityContext.seccompProfile).toEqual({
        type: 'RuntimeDefault',
      });
    },
  },
  {
    key: `${prefix}.securityContext`,
    set: at(`${prefix}.securityContext`, { readOnlyRootFilesystem: true }),
    kind,
    component,
    check: (o) => {
      expect(main(o).securityContext.readOnlyRootFilesystem).toBe(true);
      expect(main(o).securityContext.allowPrivilegeEscalation).toBe(false);
    },
  },
  {
    key: `${prefix}.resources`,
    set: at(`${prefix}.resources`, { limits: { memory: '3Gi' } }),
    kind,
    component,
    check: (o) => {
      // The memory limit is also the memory request; the default cpu request stays.
      expect(main(o).resources.limits).toEqual({ memory: '3Gi' });
      expect(Object.keys(main(o).resources.requests)).toEqual(['cpu']);
    },
  },
  {
    key: `${prefix}.nodeSelector`,
    set: at(`${prefix}.nodeSelector`, { disk: 'ssd' }),
    kind,
    component,
    check: (o) => expect(podSpec(o as K8sObject).nodeSelector).toEqual({ disk: 'ssd' }),
  },
  {
    key: `${prefix}.tolerations`,
    set: at(`${prefix}.tolerations`, [{ key: 'dedicated', operator: 'Exists' }]),
    kind,
    component,
    check: (o) =>
      expect(podSpec(o as K8sObject).tolerations).toEqual([
        { key: 'dedicated', operator: 'Exists' },
      ]),
  },
  {
    key: `${prefix}.affinity`,
    set: at(`${prefix}.affinity`, {
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
    }),
    kind,
    component,
    check: (o) => expect(podSpec(o as K8sObject).affinity).toHaveProperty('podAntiAffinity'),
  },
];

const deploymentKeys = (component: string): KeyCase[] => [
  ...sharedPodKeys(component, 'Deployment', component),
  {
    key: `${component}.podAnnotations`,
    set: at(`${component}.podAnnotations`, { 'prometheus.io/scrape': 'true' }),
    kind: 'Deployment',
    component,
    check: (o) =>
      expect(o?.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true'),
  },
  {
    key: `${component}.replicas`,
    set: at(`${component}.replicas`, 3),
    kind: 'Deployment',
    component,
    check: (o) => expect(o?.spec.replicas).toBe(3),
  },
  {
    key: `${component}.strategy`,
    set: at(`${component}.strategy`, { type: 'Recreate' }),
    kind: 'Deployment',
    component,
    check: (o) => expect(o?.spec.strategy).toEqual({ type: 'Recreate' }),
  },
  {
    key: `${component}.env`,
    set: at(`${component}.env`, [{ name: 'EXTRA_SETTING', value: 'on' }]),
    kind: 'Deployment',
    component,
    check: (o) => expect(env(o, 'EXTRA_SETTING')).toBe('on'),
  },
];

const serviceKeys = (component: string, port: number): KeyCase[] => [
  {
    key: `${component}.service.type`,
    set: at(`${component}.service.type`, 'NodePort'),
    kind: 'Service',
    component,
    check: (o) => expect(o?.spec.type).toBe('NodePort'),
  },
  {
    key: `${component}.service.port`,
    set: at(`${component}.service.port`, port),
    kind: 'Service',
    component,
    check: (o) => expect(o?.spec.ports[0].port).toBe(port),
  },
];

const ingressKeys = (component: string): KeyCase[] => {
  const base = merge(BASE, INGRESS_BASE);
  const ingress = (key: string, value: unknown, check: KeyCase['check']): KeyCase => ({
    key: `${component}.ingress.${key}`,
    set: at(`${component}.ingress.${key}`, value),
    kind: 'Ingress',
    component,
    check,
    base,
  });
  return [
    {
      key: `${component}.ingress.enabled`,
      set: at(`${component}.ingress.enabled`, true),
      kind: 'Ingress',
      component,
      check: (o) =>
        expect(o?.spec.rules[0].http.paths[0].backend.service.name).toBe(`rel-${component}`),
    },
    ingress('ingressClassName', 'nginx', (o) => expect(o?.spec.ingressClassName).toBe('nginx')),
    ingress('annotations', { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' }, (o) =>
      expect(o?.metadata.annotations['nginx.ingress.kubernetes.io/ssl-redirect']).toBe('true'),
    ),
    ingress('labels', { exposure: 'public' }, (o) =>
      expect(o?.metadata.labels.exposure).toBe('public'),
    ),
    ingress('hosts', ['one.example.com', 'two.example.com'], (o) =>
      expect(o?.spec.rules.map((rule: K8sObject) => rule.host)).toEqual([
        'one.example.com',
        'two.example.com',
      ]),
    ),
    ingress('path', '/prefect', (o) =>
      expect(o?.spec.rules[0].http.paths[0].path).toBe('/prefect'),
    ),
    ingress('tls', [{ secretName: 'tls-cert', hosts: ['x.example.com'] }], (o) =>
      expect(o?.spec.tls).toEqual([{ secretName: 'tls-cert', hosts: ['x.example.com'] }]),
    ),
  ];
};

const graphqlInit = (o: K8sObject | undefined): K8sObject =>
  container(o as K8sObject, 'db-upgrade');

const CASES: KeyCase[] = [
  // Image tags.
  {
    key: 'serverVersionTag',
    set: { serverVersionTag: '2022.04.14' },
    kind: 'Deployment',
    component: 'graphql',
    check: (o, r) => {
      expect(main(o).image).toBe('prefecthq/server:2022.04.14');
      expect(main(r.component('Deployment', 'apollo')).image).toBe('prefecthq/apollo:2022.04.14');
      expect(main(r.component('Deployment', 'towel')).image).toBe('prefecthq/server:2022.04.14');
    },
  },
  {
    key: 'prefectVersionTag',
    set: { prefectVersionTag: '1.3.1' },
    kind: 'Deployment',
    component: 'agent',
    check: (o, r) => {
      expect(main(o).image).toBe('prefecthq/prefect:1.3.1');
      expect(main(r.component('Job', 'create-tenant')).image).toBe('prefecthq/prefect:1.3.1');
    },
  },
  {
    key: 'uiVersionTag',
    set: { uiVersionTag: 'latest' },
    kind: 'Deployment',
    component: 'ui',
    check: (o) => expect(main(o).image).toBe('prefecthq/ui:latest'),
  },
  // Chart-wide.
  {
    key: 'includeChartNameInComponents',
    set: { includeChartNameInComponents: true },
    kind: 'Deployment',
    component: 'apollo',
    check: (o, r) => {
      expect(o?.metadata.name).toBe('rel-prefect-server-apollo');
      // As in the original, the database's objects never take the chart name (Bitnami named
      // them {release}-postgresql), so the kept password Secret and the host stay put.
      for (const object of r.objects) {
        const database = object.metadata.labels?.[COMPONENT_LABEL] === 'postgresql';
        expect(
          object.metadata.name.startsWith(database ? 'rel-postgresql' : 'rel-prefect-server-'),
        ).toBe(true);
      }
      expect(env(o, 'PREFECT_SERVER__DATABASE__HOST')).toBe('rel-postgresql.prefect-ns');
    },
  },
  {
    key: 'imagePullSecrets',
    set: { imagePullSecrets: ['regcred'] },
    kind: 'Deployment',
    component: 'hasura',
    check: (o, r) => {
      for (const workload of [...r.all('Deployment'), ...r.all('StatefulSet'), ...r.all('Job')]) {
        expect(podSpec(workload).imagePullSecrets, workload.metadata.name).toEqual([
          { name: 'regcred' },
        ]);
      }
      expect(o).toBeDefined();
    },
  },
  {
    key: 'annotations',
    set: { annotations: { 'example.com/team': 'data' } },
    kind: 'Service',
    component: 'apollo',
    check: (o, r) => {
      expect(o?.metadata.annotations['example.com/team']).toBe('data');
      for (const object of r.objects) {
        expect(object.metadata.annotations?.['example.com/team'], object.metadata.name).toBe(
          'data',
        );
      }
    },
  },
  {
    key: 'prefectConfig',
    set: {
      prefectConfig: {
        debug: true,
        logging: { level: 'DEBUG' },
        services: { lazarus: { enabled: 'false' } },
      },
    },
    kind: 'Deployment',
    component: 'graphql',
    check: (o, r) => {
      for (const component of ['graphql', 'towel', 'apollo']) {
        const values = envValues(main(r.component('Deployment', component)));
        expect(values, component).toMatchObject({
          PREFECT_SERVER__DEBUG: 'true',
          PREFECT_SERVER__LOGGING__LEVEL: 'DEBUG',
          PREFECT_SERVER__SERVICES__LAZARUS__ENABLED: 'false',
        });
      }
      expect(envValues(graphqlInit(o)).PREFECT_SERVER__LOGGING__LEVEL).toBe('DEBUG');
    },
  },
  // Service account.
  {
    key: 'serviceAccount.create',
    set: { serviceAccount: { create: false } },
    kind: 'ServiceAccount',
    component: 'serviceaccount',
    check: (o, r) => {
      expect(o).toBeUndefined();
      expect(podSpec(r.component('Deployment', 'agent')).serviceAccountName).toBe('default');
    },
  },
  {
    key: 'serviceAccount.name',
    set: { serviceAccount: { name: 'prefect-runner' } },
    kind: 'ServiceAccount',
    component: 'serviceaccount',
    check: (o, r) => {
      expect(o?.metadata.name).toBe('prefect-runner');
      const agent = r.component('Deployment', 'agent');
      expect(podSpec(agent).serviceAccountName).toBe('prefect-runner');
      expect(env(agent, 'SERVICE_ACCOUNT_NAME')).toBe('prefect-runner');
      expect(r.component('RoleBinding', 'agent').subjects[0].name).toBe('prefect-runner');
    },
  },
  {
    key: 'serviceAccount.annotations',
    set: {
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } },
    },
    kind: 'ServiceAccount',
    component: 'serviceaccount',
    check: (o) =>
      expect(o?.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::1:role/x'),
  },
  // create-tenant Job.
  {
    key: 'jobs.createTenant.enabled',
    set: { jobs: { createTenant: { enabled: true } } },
    base: {},
    kind: 'Job',
    component: 'create-tenant',
    check: (o) => expect(o?.metadata.annotations['helm.sh/hook']).toBe('post-install,post-upgrade'),
  },
  {
    key: 'jobs.createTenant.tenant.name',
    set: at('jobs.createTenant.tenant.name', 'Analytics'),
    kind: 'Job',
    component: 'create-tenant',
    check: (o) => expect(env(o, 'TENANT_NAME')).toBe('Analytics'),
  },
  {
    key: 'jobs.createTenant.tenant.slug',
    set: at('jobs.createTenant.tenant.slug', 'analytics'),
    kind: 'Job',
    component: 'create-tenant',
    check: (o) => expect(env(o, 'TENANT_SLUG')).toBe('analytics'),
  },
  {
    key: 'jobs.createTenant.backoffLimit',
    set: at('jobs.createTenant.backoffLimit', 2),
    kind: 'Job',
    component: 'create-tenant',
    check: (o) => expect(o?.spec.backoffLimit).toBe(2),
  },
  ...sharedPodKeys('create-tenant', 'Job', 'jobs.createTenant'),
  // Agent.
  {
    key: 'agent.enabled',
    set: { agent: { enabled: true } },
    base: {},
    kind: 'Deployment',
    component: 'agent',
    check: (o, r) => {
      expect(main(o).args.join(' ')).toBe('prefect agent kubernetes start');
      expect(r.component('Role', 'agent')).toBeDefined();
      expect(r.component('RoleBinding', 'agent')).toBeDefined();
    },
  },
  {
    key: 'agent.prefectLabels',
    set: at('agent.prefectLabels', ['gpu', 'eu']),
    kind: 'Deployment',
    component: 'agent',
    check: (o) => expect(env(o, 'PREFECT__CLOUD__AGENT__LABELS')).toBe('["gpu","eu"]'),
  },
  {
    key: 'agent.jobTemplateFilePath',
    set: at('agent.jobTemplateFilePath', 'https://example.com/job.yaml'),
    kind: 'Deployment',
    component: 'agent',
    check: (o) =>
      expect(main(o).args.slice(-2)).toEqual(['--job-template', 'https://example.com/job.yaml']),
  },
  {
    key: 'agent.jobTemplateFileConfigMap',
    set: at('agent.jobTemplateFileConfigMap', 'job-tpl'),
    kind: 'Deployment',
    component: 'agent',
    check: (o) => {
      expect(main(o).args.slice(-2)).toEqual([
        '--job-template',
        '/etc/prefect/job-template/job_template.yaml',
      ]);
      expect(podSpec(o as K8sObject).volumes).toEqual([
        { name: 'job-template', configMap: { name: 'job-tpl' } },
      ]);
    },
  },
  ...(
    [
      ['requests.memory', 'JOB_MEM_REQUEST', '256Mi'],
      ['limits.memory', 'JOB_MEM_LIMIT', '1Gi'],
      ['requests.cpu', 'JOB_CPU_REQUEST', '250m'],
      ['limits.cpu', 'JOB_CPU_LIMIT', '2'],
    ] as const
  ).map(
    ([path, name, value]): KeyCase => ({
      key: `agent.job.resources.${path}`,
      set: at(`agent.job.resources.${path}`, value),
      kind: 'Deployment',
      component: 'agent',
      check: (o) => expect(env(o, name)).toBe(value),
    }),
  ),
  {
    key: 'agent.job.imagePullPolicy',
    set: at('agent.job.imagePullPolicy', 'Always'),
    kind: 'Deployment',
    component: 'agent',
    check: (o) => expect(env(o, 'IMAGE_PULL_POLICY')).toBe('Always'),
  },
  {
    key: 'agent.job.imagePullSecrets',
    set: at('agent.job.imagePullSecrets', ['a-cred', 'b-cred']),
    kind: 'Deployment',
    component: 'agent',
    check: (o) => expect(env(o, 'IMAGE_PULL_SECRETS')).toBe('a-cred,b-cred'),
  },
  // Components.
  ...['hasura', 'graphql', 'apollo', 'ui', 'towel', 'agent'].flatMap(deploymentKeys),
  ...serviceKeys('hasura', 3300),
  ...serviceKeys('graphql', 4301),
  ...serviceKeys('apollo', 80),
  ...serviceKeys('ui', 81),
  ...ingressKeys('apollo'),
  ...ingressKeys('ui'),
  {
    key: 'graphql.init.enabled',
    set: at('graphql.init.enabled', false),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) => {
      // As in the original: no init container, and the main container does not migrate either.
      expect(podSpec(o as K8sObject).initContainers).toBeUndefined();
      expect(env(o, 'PREFECT_SERVER_DB_CMD')).toBe("echo 'DATABASE MIGRATIONS SKIPPED'");
      expect(main(o).args.join(' ')).not.toContain('database upgrade');
    },
  },
  {
    key: 'graphql.init.env',
    set: at('graphql.init.env', [{ name: 'ALEMBIC_DEBUG', value: '1' }]),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) => expect(envValues(graphqlInit(o)).ALEMBIC_DEBUG).toBe('1'),
  },
  {
    key: 'graphql.init.resources',
    set: at('graphql.init.resources', { requests: { cpu: '1', memory: '1Gi' } }),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) => expect(graphqlInit(o).resources.requests).toEqual({ cpu: '1', memory: '1Gi' }),
  },
  {
    key: 'graphql.init.securityContext',
    set: at('graphql.init.securityContext', {
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    }),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) => expect(graphqlInit(o).securityContext.runAsUser).toBe(1000),
  },
  {
    key: 'ui.apolloApiUrl',
    set: at('ui.apolloApiUrl', 'https://api.example.com/graphql'),
    kind: 'Deployment',
    component: 'ui',
    check: (o) =>
      expect(env(o, 'PREFECT_SERVER__APOLLO_URL')).toBe('https://api.example.com/graphql'),
  },
  // Database, both eras.
  {
    key: 'postgresql.useSubChart',
    set: EXTERNAL_DB,
    kind: 'StatefulSet',
    component: 'postgresql',
    check: (o, r) => {
      expect(o).toBeUndefined();
      expect(env(r.component('Deployment', 'graphql'), 'PREFECT_SERVER__DATABASE__HOST')).toBe(
        'db.example.com',
      );
    },
  },
  {
    key: 'postgresql.externalHostname',
    base: merge(BASE, EXTERNAL_DB),
    set: at('postgresql.externalHostname', 'other-db.example.com'),
    kind: 'Deployment',
    component: 'hasura',
    check: (o) =>
      expect(env(o, 'HASURA_GRAPHQL_DATABASE_URL')).toBe(
        'postgresql://prefect@other-db.example.com:5432/prefect',
      ),
  },
  {
    key: 'postgresql.existingSecret',
    set: at('postgresql.existingSecret', 'seed-secret'),
    kind: 'Deployment',
    component: 'graphql',
    check: (o, r) => {
      // helm template cannot look the Secret up and no era key is set: the last release's key.
      expect(envOf(main(o)).get('PGPASSWORD')?.valueFrom.secretKeyRef).toEqual({
        name: 'seed-secret',
        key: 'postgres-password',
      });
      expect(r.all('Secret')).toEqual([]);
    },
  },
  {
    key: 'postgresql.auth.existingSecret',
    set: at('postgresql.auth.existingSecret', 'new-secret'),
    kind: 'Deployment',
    component: 'graphql',
    check: (o, r) => {
      expect(envOf(main(o)).get('PGPASSWORD')?.valueFrom.secretKeyRef).toEqual({
        name: 'new-secret',
        key: 'postgres-password',
      });
      expect(r.all('Secret')).toEqual([]);
    },
  },
  ...(
    [
      ['postgresql.postgresqlPassword', 'seed-Pa55'],
      ['postgresql.auth.password', 'new-Pa55'],
      ['postgresql.auth.postgresPassword', 'super-Pa55'],
    ] as const
  ).map(
    ([key, password]): KeyCase => ({
      key,
      set: at(key, password),
      kind: 'Secret',
      component: 'postgresql',
      check: (o) =>
        expect(decodeSecret(o as K8sObject)).toEqual({
          'postgresql-password': password,
          'postgres-password': password,
          password,
        }),
    }),
  ),
  ...(
    [
      [
        'postgresql.postgresqlUsername',
        'seeduser',
        'postgresql://seeduser@rel-postgresql.prefect-ns:5432/prefect',
      ],
      [
        'postgresql.auth.username',
        'newuser',
        'postgresql://newuser@rel-postgresql.prefect-ns:5432/prefect',
      ],
      [
        'postgresql.postgresqlDatabase',
        'seeddb',
        'postgresql://prefect@rel-postgresql.prefect-ns:5432/seeddb',
      ],
      [
        'postgresql.auth.database',
        'newdb',
        'postgresql://prefect@rel-postgresql.prefect-ns:5432/newdb',
      ],
      [
        'postgresql.servicePort',
        6543,
        'postgresql://prefect@rel-postgresql.prefect-ns:6543/prefect',
      ],
      [
        'postgresql.primary.service.ports.postgresql',
        7654,
        'postgresql://prefect@rel-postgresql.prefect-ns:7654/prefect',
      ],
    ] as const
  ).map(
    ([key, value, url]): KeyCase => ({
      key,
      set: at(key, value),
      kind: 'Deployment',
      component: 'graphql',
      check: (o, r) => {
        expect(env(o, 'PREFECT_SERVER__DATABASE__CONNECTION_URL')).toBe(url);
        expect(env(r.component('Deployment', 'hasura'), 'HASURA_GRAPHQL_DATABASE_URL')).toBe(url);
      },
    }),
  ),
  {
    key: 'postgresql.existingSecretKey',
    set: merge(
      at('postgresql.existingSecret', 'my-secret'),
      at('postgresql.existingSecretKey', 'pw'),
    ),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) =>
      expect(envOf(main(o)).get('PGPASSWORD')?.valueFrom.secretKeyRef).toEqual({
        name: 'my-secret',
        key: 'pw',
      }),
  },
  {
    // The same existingSecret line with a seed-era values file: the key those releases read.
    key: 'postgresql.existingSecret (seed era)',
    set: merge(
      at('postgresql.existingSecret', 'seed-secret'),
      at('postgresql.postgresqlUsername', 'seeduser'),
    ),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) =>
      expect(envOf(main(o)).get('PGPASSWORD')?.valueFrom.secretKeyRef).toEqual({
        name: 'seed-secret',
        key: 'postgresql-password',
      }),
  },
  {
    // alembic's config parser refuses "%": the migrations get the decoded Azure user name, and
    // only they (hasura and graphql keep the URL-encoded form), as the original did.
    key: 'postgresql.auth.username (Azure user%40server)',
    base: merge(BASE, EXTERNAL_DB),
    set: at('postgresql.auth.username', 'prefect%40myserver'),
    kind: 'Deployment',
    component: 'graphql',
    check: (o) => {
      const init = podSpec(o as K8sObject).initContainers[0];
      expect(envValues(init).PREFECT_SERVER__DATABASE__CONNECTION_URL).toBe(
        'postgresql://prefect@myserver@db.example.com:5432/prefect',
      );
      expect(env(o, 'PREFECT_SERVER__DATABASE__CONNECTION_URL')).toBe(
        'postgresql://prefect%40myserver@db.example.com:5432/prefect',
      );
    },
  },
  {
    key: 'postgresql.primary.service.type',
    set: at('postgresql.primary.service.type', 'NodePort'),
    kind: 'Service',
    component: 'postgresql',
    name: 'rel-postgresql',
    check: (o, r) => {
      expect(o?.spec.type).toBe('NodePort');
      expect(r.get('Service', 'rel-postgresql-hl').spec.clusterIP).toBe('None');
    },
  },
  // Keys of the Bitnami subchart users set through postgresql.*: mapped onto the bundled database.
  {
    key: 'postgresql.primary.resources',
    set: at('postgresql.primary.resources', { requests: { cpu: '2', memory: '4Gi' } }),
    kind: 'StatefulSet',
    component: 'postgresql',
    check: (o) => expect(main(o).resources.requests).toEqual({ cpu: '2', memory: '4Gi' }),
  },
  {
    key: 'postgresql.primary.nodeSelector',
    set: at('postgresql.primary.nodeSelector', { disk: 'ssd' }),
    kind: 'StatefulSet',
    component: 'postgresql',
    check: (o) => expect(podSpec(o as K8sObject).nodeSelector).toEqual({ disk: 'ssd' }),
  },
  {
    key: 'postgresql.primary.podAnnotations',
    set: at('postgresql.primary.podAnnotations', { 'backup.example.com/on': 'yes' }),
    kind: 'StatefulSet',
    component: 'postgresql',
    check: (o) =>
      expect(o?.spec.template.metadata.annotations['backup.example.com/on']).toBe('yes'),
  },
  {
    key: 'postgresql.service.port',
    set: at('postgresql.service.port', 5544),
    kind: 'Service',
    component: 'postgresql',
    name: 'rel-postgresql',
    check: (o, r) => {
      expect(o?.spec.ports[0].port).toBe(5544);
      expect(env(r.component('Deployment', 'graphql'), 'PREFECT_SERVER__DATABASE__PORT')).toBe(
        '5544',
      );
    },
  },
  {
    key: 'postgresql.image.repository',
    set: merge(
      at('postgresql.image.repository', 'postgres'),
      at('postgresql.image.registry', 'mirror.example.com'),
    ),
    kind: 'StatefulSet',
    component: 'postgresql',
    check: (o) => expect(main(o).image).toBe('mirror.example.com/postgres:14'),
  },
  // <component>.annotations go on the Service too, as in the original: cloud load-balancer
  // annotations (an internal-only LB) are set this way.
  ...['hasura', 'graphql', 'apollo', 'ui'].map(
    (component): KeyCase => ({
      key: `${component}.annotations (on the Service)`,
      set: at(`${component}.annotations`, {
        'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
      }),
      kind: 'Service',
      component,
      check: (o) =>
        expect(
          o?.metadata.annotations['service.beta.kubernetes.io/azure-load-balancer-internal'],
        ).toBe('true'),
    }),
  ),
  ...['persistence', 'primary.persistence'].flatMap((prefix): KeyCase[] => [
    {
      key: `postgresql.${prefix}.enabled`,
      set: at(`postgresql.${prefix}.enabled`, true),
      kind: 'StatefulSet',
      component: 'postgresql',
      check: (o) =>
        expect(o?.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi'),
    },
    {
      key: `postgresql.${prefix}.size`,
      base: merge(BASE, at(`postgresql.${prefix}.enabled`, true)),
      set: at(`postgresql.${prefix}.size`, '50Gi'),
      kind: 'StatefulSet',
      component: 'postgresql',
      check: (o) =>
        expect(o?.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi'),
    },
    {
      key: `postgresql.${prefix}.storageClass`,
      base: merge(BASE, at(`postgresql.${prefix}.enabled`, true)),
      set: at(`postgresql.${prefix}.storageClass`, 'premium'),
      kind: 'StatefulSet',
      component: 'postgresql',
      check: (o) => expect(o?.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('premium'),
    },
  ]),
  {
    key: 'postgresql.initdbScripts',
    set: at('postgresql.initdbScripts', { 'seed.sql': 'SELECT 1;' }),
    kind: 'ConfigMap',
    component: 'postgresql',
    check: (o) => expect(o?.data['seed.sql']).toBe('SELECT 1;'),
  },
  {
    key: 'postgresql.primary.initdb.scripts',
    set: at('postgresql.primary.initdb.scripts', { 'new.sql': 'SELECT 2;' }),
    kind: 'ConfigMap',
    component: 'postgresql',
    check: (o) => expect(o?.data['new.sql']).toBe('SELECT 2;'),
  },
];

/** The object a key acts on, comparable between renders (a generated password is not a change). */
function comparable(rendered: Rendered, kind: string, component: string): string {
  const found = rendered
    .all(kind)
    .filter((o) => o.metadata.labels?.[COMPONENT_LABEL] === component);
  return JSON.stringify(found, (key, value) =>
    key === 'data' && found[0]?.kind === 'Secret'
      ? Object.fromEntries(
          Object.entries(decodeSecret({ data: value })).map(([k, v]) => [
            k,
            /^[A-Za-z0-9]{32}$/.test(v) ? '<random>' : v,
          ]),
        )
      : value,
  );
}

describe('the original keys list', () => {
  it('covers every key family of FACTS.md', () => {
    const keys = new Set(CASES.map((c) => c.key));
    expect(new Set(CASES.map((c) => c.key)).size, 'no key is tested twice').toBe(CASES.length);
    for (const component of ['hasura', 'graphql', 'apollo', 'ui', 'towel', 'agent']) {
      for (const key of [
        'image.name',
        'image.tag',
        'image.pullPolicy',
        'image.pullSecrets',
        'labels',
        'annotations',
        'podAnnotations',
        'replicas',
        'strategy',
        'podSecurityContext',
        'securityContext',
        'env',
        'resources',
        'nodeSelector',
        'tolerations',
        'affinity',
      ]) {
        expect(keys, `${component}.${key}`).toContain(`${component}.${key}`);
      }
    }
    for (const component of ['hasura', 'graphql', 'apollo', 'ui']) {
      expect(keys).toContain(`${component}.service.type`);
      expect(keys).toContain(`${component}.service.port`);
    }
    for (const component of ['apollo', 'ui']) {
      for (const key of [
        'enabled',
        'ingressClassName',
        'annotations',
        'labels',
        'hosts',
        'path',
        'tls',
      ]) {
        expect(keys).toContain(`${component}.ingress.${key}`);
      }
    }
  });
});

describe.each(helms())('each original key set in turn, with $label', (helm) => {
  const bases = new Map<Values, Promise<Rendered>>();
  const renderBase = (base: Values): Promise<Rendered> => {
    let rendered = bases.get(base);
    if (!rendered) {
      rendered = template(helm, base);
      bases.set(base, rendered);
    }
    return rendered;
  };

  beforeAll(async () => {
    await renderBase(BASE);
  });

  it.concurrent.each(CASES)('$key', async ({ set, kind, component, check, base = BASE, name }) => {
    const [before, after] = await Promise.all([renderBase(base), template(helm, merge(base, set))]);
    expect(comparable(after, kind, component), `${kind} of ${component} changes`).not.toBe(
      comparable(before, kind, component),
    );
    const found = after
      .all(kind)
      .filter((o) => o.metadata.labels?.[COMPONENT_LABEL] === component)
      .filter((o) => name === undefined || o.metadata.name === name);
    expect(found.length).toBeLessThanOrEqual(1);
    check(found[0], after);
    // Whatever the key, the release stays in its namespace and every container keeps its requests.
    for (const object of after.objects) expect(object.metadata.namespace).toBe(NAMESPACE);
    for (const workload of after
      .all()
      .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))) {
      for (const c of containers(workload)) expect(c.resources, c.name).toBeDefined();
    }
  });
});

// Keys a values file of the original chart may carry that cannot act here: each refused with the
// replacement named (never silently misapplied), or accepted with no effect, as upstream had none.
const REFUSED: { values: Values; message: RegExp }[] = [
  {
    values: at('postgresql.image.tag', '11.9.0-debian-10-r1'),
    message: /postgresql.image.tag "11.9.0-debian-10-r1" is a Bitnami tag.*e.g. "14"/,
  },
  {
    values: merge(
      at('postgresql.image.registry', 'docker.io'),
      at('postgresql.image.repository', 'bitnami/postgresql'),
    ),
    message:
      /docker.io\/bitnami\/postgresql is a Bitnami image; the bundled database runs the official postgres image/,
  },
  {
    values: at('postgresql.metrics.enabled', true),
    message:
      /postgresql.metrics.enabled: the bundled database has no metrics exporter.*postgres-exporter/,
  },
  {
    values: { uiVersionTag: '2022.09.23' },
    message: /uiVersionTag "2022.09.23" does not exist.*2022-09-23/,
  },
  { values: at('ui.image.tag', '2022.09.14'), message: /ui.image.tag "2022.09.14" does not exist/ },
];

const NO_EFFECT: Values[] = [
  // No template of the original read it; apollo's own default (off) applies, as it did there.
  at('apollo.options.telemetryEnabled', true),
  // The pod's fsGroup makes the volume writable; Bitnami needed an init container for that.
  at('postgresql.volumePermissions.enabled', true),
  at('postgresql.image.debug', true),
  at('postgresql.metrics.enabled', false),
];

describe.each(helms())('original keys that cannot act here, with $label', (helm) => {
  it.concurrent.each(REFUSED)(
    'refuses $values with the replacement named',
    async ({ values, message }) => {
      const error = await templateError(helm, merge(BASE, values));
      expect(error.replace(/\s+/g, ' ')).toMatch(message);
    },
  );

  it.concurrent.each(NO_EFFECT)('accepts %j and renders exactly as without it', async (values) => {
    const [before, after] = await Promise.all([
      template(helm, BASE),
      template(helm, merge(BASE, values)),
    ]);
    // The password is random per render; everything else must be byte for byte the same.
    const strip = (r: Rendered) =>
      r.manifest.replace(/password: "?[A-Za-z0-9+/=]+"?/g, 'password: X');
    expect(strip(after)).toBe(strip(before));
  });
});

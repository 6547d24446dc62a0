// `helm template` over a matrix of value sets, with assertions on the rendered objects.
import { beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { chartMeta, checkInvariants, selectorLabels } from './invariants.js';
import {
  commandLine,
  container,
  decodeSecret,
  envOf,
  envValues,
  type K8sObject,
  NAMESPACE,
  podSpec,
  type Rendered,
  template,
  templateRaw,
} from './render.js';
import { type SetName, VALUE_SET_PASSWORDS, VALUE_SETS } from './value-sets.js';

const ns = NAMESPACE;
const dbUrl = `postgresql://prefect@rel-postgresql.${ns}:5432/prefect`;
const hasuraUrl = `http://rel-hasura.${ns}:3000/v1alpha1/graphql`;

function deployment(rendered: Rendered, component: string): K8sObject {
  return rendered.component('Deployment', component);
}

function sharedServerEnv(
  url = dbUrl,
  host = `rel-postgresql.${ns}`,
  port = '5432',
  user = 'prefect',
) {
  return {
    PREFECT_SERVER__DATABASE__CONNECTION_URL: url,
    PREFECT_SERVER__DATABASE__HOST: host,
    PREFECT_SERVER__DATABASE__PORT: port,
    PREFECT_SERVER__DATABASE__USERNAME: user,
    PREFECT_SERVER__HASURA__HOST: `rel-hasura.${ns}`,
    PREFECT_SERVER__HASURA__PORT: '3000',
    PREFECT_SERVER__API__URL: hasuraUrl,
    PREFECT_SERVER__SERVICES__APOLLO__PORT: '4200',
    PREFECT_SERVER__SERVICES__GRAPHQL__PORT: '4201',
  };
}

function secretRef(c: K8sObject, env: string): { name: string; key: string } {
  const entry = envOf(c).get(env);
  expect(entry, `${c.name} has ${env}`).toBeDefined();
  return entry?.valueFrom?.secretKeyRef;
}

describe.each(helms())('helm template with $label', (helm) => {
  const renders = new Map<SetName, Rendered>();
  const r = (name: SetName): Rendered => {
    const rendered = renders.get(name);
    if (!rendered) throw new Error(`value set ${name} was not rendered`);
    return rendered;
  };

  beforeAll(async () => {
    const names = Object.keys(VALUE_SETS) as SetName[];
    const results = await Promise.all(names.map((name) => template(helm, VALUE_SETS[name])));
    for (const [index, name] of names.entries()) renders.set(name, results[index] as Rendered);
  });

  it.each(Object.keys(VALUE_SETS) as SetName[])(
    '%s: names, labels, selectors, security',
    (name) => {
      checkInvariants(r(name), {
        secrets: VALUE_SET_PASSWORDS,
        pullPolicy: 'IfNotPresent',
      });
    },
  );

  describe('defaults', () => {
    it('renders exactly the default objects', () => {
      const rendered = r('defaults');
      const inventory = rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(inventory).toEqual(
        [
          'ConfigMap/rel-postgresql-initdb',
          'Deployment/rel-apollo',
          'Deployment/rel-graphql',
          'Deployment/rel-hasura',
          'Deployment/rel-towel',
          'Deployment/rel-ui',
          'Pod/rel-test-apollo',
          'Secret/rel-postgresql',
          'Service/rel-apollo',
          'Service/rel-graphql',
          'Service/rel-hasura',
          'Service/rel-postgresql',
          'Service/rel-postgresql-hl',
          'Service/rel-ui',
          'ServiceAccount/rel-serviceaccount',
          'StatefulSet/rel-postgresql',
        ].sort(),
      );
    });

    it('pins the images to the last releases', () => {
      const rendered = r('defaults');
      const image = (component: string) =>
        podSpec(deployment(rendered, component)).containers[0].image;
      expect(image('hasura')).toBe('hasura/graphql-engine:v2.1.1');
      expect(image('graphql')).toBe(`prefecthq/server:${chartMeta.appVersion}`);
      expect(image('towel')).toBe(`prefecthq/server:${chartMeta.appVersion}`);
      expect(image('apollo')).toBe(`prefecthq/apollo:${chartMeta.appVersion}`);
      // The last released chart's pins: UI tags are dates with dashes (2022.09.23 was never pushed).
      expect(image('ui')).toBe('prefecthq/ui:2022-09-14');
      expect(chartMeta.appVersion).toBe('2022.09.23');
      const pg = rendered.get('StatefulSet', 'rel-postgresql');
      expect(podSpec(pg).containers[0].image).toBe('postgres:14');
      expect(podSpec(rendered.get('Pod', 'rel-test-apollo')).containers[0].image).toBe(
        'prefecthq/prefect:1.4.0',
      );
    });

    it('keeps the published pins when a values file empties the tags (the 2022.03.29 file did)', async () => {
      const empty = await template(helm, { prefectVersionTag: '', uiVersionTag: '' });
      const rendered = r('defaults');
      const image = (x: Rendered, kind: string, name: string) =>
        podSpec(x.get(kind, name)).containers[0].image;
      expect(image(empty, 'Deployment', 'rel-ui')).toBe(image(rendered, 'Deployment', 'rel-ui'));
      expect(image(empty, 'Pod', 'rel-test-apollo')).toBe(
        image(rendered, 'Pod', 'rel-test-apollo'),
      );
    });

    it('serves apollo and the UI on ClusterIP Services with the fixed ports', () => {
      const rendered = r('defaults');
      const ports = Object.fromEntries(
        rendered.all('Service').map((s) => [s.metadata.name, [s.spec.type, s.spec.ports[0].port]]),
      );
      expect(ports).toEqual({
        'rel-hasura': ['ClusterIP', 3000],
        'rel-graphql': ['ClusterIP', 4201],
        'rel-apollo': ['ClusterIP', 4200],
        'rel-ui': ['ClusterIP', 8080],
        'rel-postgresql': ['ClusterIP', 5432],
        'rel-postgresql-hl': ['ClusterIP', 5432],
      });
      // The StatefulSet's governing Service is headless; clients use rel-postgresql.
      expect(rendered.get('Service', 'rel-postgresql-hl').spec.clusterIP).toBe('None');
      expect(rendered.get('StatefulSet', 'rel-postgresql').spec.serviceName).toBe(
        'rel-postgresql-hl',
      );
      const containerPort = (component: string) =>
        podSpec(deployment(rendered, component)).containers[0].ports[0].containerPort;
      expect(containerPort('hasura')).toBe(3000);
      expect(containerPort('graphql')).toBe(4201);
      expect(containerPort('apollo')).toBe(4200);
      expect(containerPort('ui')).toBe(8080);
    });

    it('gives hasura its environment', () => {
      const hasura = container(deployment(r('defaults'), 'hasura'), 'hasura');
      expect(commandLine(hasura)).toBe('graphql-engine serve');
      expect(envValues(hasura)).toEqual({
        HASURA_GRAPHQL_DATABASE_URL: dbUrl,
        HASURA_GRAPHQL_ENABLE_CONSOLE: 'false',
        HASURA_GRAPHQL_V1_BOOLEAN_NULL_COLLAPSE: 'true',
        HASURA_GRAPHQL_SERVER_PORT: '3000',
      });
      expect(secretRef(hasura, 'PGPASSWORD')).toEqual({
        name: 'rel-postgresql',
        key: 'postgres-password',
      });
    });

    it('gives graphql, towel and apollo the shared server environment', () => {
      const rendered = r('defaults');
      const servers = [
        container(deployment(rendered, 'graphql'), 'db-upgrade'),
        container(deployment(rendered, 'graphql'), 'graphql'),
        container(deployment(rendered, 'towel'), 'towel'),
        container(deployment(rendered, 'apollo'), 'apollo'),
      ];
      for (const c of servers) {
        const { PREFECT_SERVER__DATABASE__CONNECTION_URL: url, ...shared } = sharedServerEnv();
        expect(envValues(c), c.name).toMatchObject(shared);
        // Only graphql and its migrations open the database, and only they get its URL and
        // PGPASSWORD, as in the original chart.
        const opensDatabase = c.name === 'graphql' || c.name === 'db-upgrade';
        expect(envValues(c).PREFECT_SERVER__DATABASE__CONNECTION_URL, c.name).toBe(
          opensDatabase ? url : undefined,
        );
        expect(envOf(c).has('PGPASSWORD'), c.name).toBe(opensDatabase);
        for (const env of opensDatabase
          ? ['PGPASSWORD', 'PREFECT_SERVER__DATABASE__PASSWORD']
          : ['PREFECT_SERVER__DATABASE__PASSWORD']) {
          expect(secretRef(c, env), `${c.name} ${env}`).toEqual({
            name: 'rel-postgresql',
            key: 'postgres-password',
          });
        }
      }
    });

    it('runs the migrations in an init container before graphql serves', () => {
      const graphql = deployment(r('defaults'), 'graphql');
      const init = podSpec(graphql).initContainers;
      expect(init.map((c: K8sObject) => c.name)).toEqual(['db-upgrade']);
      expect(commandLine(init[0])).toContain('prefect-server database upgrade --yes');
      expect(commandLine(init[0])).toBe(
        'bash -c /usr/local/bin/prefect-server database upgrade --yes',
      );
      const main = container(graphql, 'graphql');
      // Vestigial in the image (nothing reads it), kept as the original set it.
      expect(envValues(main).PREFECT_SERVER_DB_CMD).toBe("echo 'DATABASE MIGRATIONS SKIPPED'");
      expect(commandLine(main)).toBe(
        'bash -c python src/prefect_server/services/graphql/server.py',
      );
      expect(commandLine(container(deployment(r('defaults'), 'towel'), 'towel'))).toBe(
        'python src/prefect_server/services/towel/__main__.py',
      );
    });

    it('points apollo at graphql and hasura, telemetry off', () => {
      const apollo = container(deployment(r('defaults'), 'apollo'), 'apollo');
      expect(commandLine(apollo)).toBe('bash -c /apollo/post-start.sh && npm run serve');
      expect(envValues(apollo)).toMatchObject({
        HASURA_API_URL: hasuraUrl,
        PREFECT_API_URL: `http://rel-graphql.${ns}:4201/graphql/`,
        PREFECT_API_HEALTH_URL: `http://rel-graphql.${ns}:4201/health`,
        GRAPHQL_SERVICE_HOST: `http://rel-graphql.${ns}`,
        GRAPHQL_SERVICE_PORT: '4201',
      });
      // apollo's own default is off; the original set no variable unless prefectConfig did.
      expect(envValues(apollo)).not.toHaveProperty('PREFECT_SERVER__TELEMETRY__ENABLED');
    });

    it('points the UI at apollo as the browser sees it', () => {
      const ui = container(deployment(r('defaults'), 'ui'), 'ui');
      expect(commandLine(ui)).toBe('/intercept.sh');
      expect(envValues(ui)).toEqual({
        PREFECT_SERVER__APOLLO_URL: 'http://localhost:4200/graphql',
      });
    });

    it('probes the real health endpoints', () => {
      const rendered = r('defaults');
      const httpProbe = (component: string) => {
        const c = podSpec(deployment(rendered, component)).containers[0];
        expect(c.readinessProbe?.httpGet?.port, `${component} readiness`).toBe('http');
        // Liveness asks only whether the process serves: a dependency being down must not restart it.
        expect(c.livenessProbe?.tcpSocket?.port, `${component} liveness`).toBe('http');
        return c.readinessProbe.httpGet.path;
      };
      expect(httpProbe('hasura')).toBe('/healthz');
      expect(httpProbe('graphql')).toBe('/health');
      expect(httpProbe('apollo')).toBe('/.well-known/apollo/server-health');
      expect(httpProbe('ui')).toBe('/healthz');
      // apollo waits for graphql, which waits for the migrations: a start-up allowance, not a kill.
      const apollo = podSpec(deployment(rendered, 'apollo')).containers[0];
      expect(
        apollo.startupProbe.periodSeconds * apollo.startupProbe.failureThreshold,
      ).toBeGreaterThanOrEqual(300);
      const pg = podSpec(rendered.get('StatefulSet', 'rel-postgresql')).containers[0];
      expect(pg.readinessProbe.exec.command).toEqual([
        'pg_isready',
        '-U',
        'prefect',
        '-d',
        'prefect',
        '-h',
        '127.0.0.1',
        '-p',
        '5432',
      ]);
      expect(pg.livenessProbe.tcpSocket.port).toBe('postgresql');
      expect(podSpec(deployment(rendered, 'towel')).containers[0].livenessProbe).toBeUndefined();
    });

    it('runs PostgreSQL as uid 999 and the UI as uid 101, non-root', () => {
      const rendered = r('defaults');
      expect(podSpec(rendered.get('StatefulSet', 'rel-postgresql')).securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        fsGroup: 999,
      });
      expect(podSpec(deployment(rendered, 'ui')).securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 101,
      });
    });

    it('bundles PostgreSQL without persistence, with the init script and PGDATA', () => {
      const rendered = r('defaults');
      const sts = rendered.get('StatefulSet', 'rel-postgresql');
      expect(sts.spec.volumeClaimTemplates).toBeUndefined();
      expect(podSpec(sts).volumes).toContainEqual({ name: 'data', emptyDir: {} });
      const pg = podSpec(sts).containers[0];
      expect(envValues(pg)).toMatchObject({
        POSTGRES_USER: 'prefect',
        POSTGRES_DB: 'prefect',
        PGDATA: '/var/lib/postgresql/data/pgdata',
      });
      expect(secretRef(pg, 'POSTGRES_PASSWORD')).toEqual({
        name: 'rel-postgresql',
        key: 'postgres-password',
      });
      expect(pg.volumeMounts).toContainEqual({
        name: 'data',
        mountPath: '/var/lib/postgresql/data',
      });
      const sql = rendered.get('ConfigMap', 'rel-postgresql-initdb').data['00-prefect-server.sql'];
      expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS pgcrypto;');
      expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS "pg_trgm";');
      expect(sql).toMatch(/ALTER DATABASE %I SET timezone TO %L', current_database\(\), 'UTC'/);
    });

    it('generates one password into a Secret that helm keeps, under every released key', () => {
      const secret = r('defaults').get('Secret', 'rel-postgresql');
      expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
      const data = decodeSecret(secret);
      expect(Object.keys(data).sort()).toEqual([
        'password',
        'postgres-password',
        'postgresql-password',
      ]);
      expect(data['postgresql-password']).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(data['postgres-password']).toBe(data['postgresql-password']);
      expect(data.password).toBe(data['postgresql-password']);
    });

    it('mounts a ServiceAccount token in no pod, and has no agent RBAC', () => {
      const rendered = r('defaults');
      expect(rendered.all('Role')).toEqual([]);
      expect(rendered.all('RoleBinding')).toEqual([]);
      for (const d of rendered.all('Deployment')) {
        expect(podSpec(d).serviceAccountName).toBe('rel-serviceaccount');
      }
    });

    it('has a helm test pod calling apollo health', () => {
      const pod = r('defaults').get('Pod', 'rel-test-apollo');
      expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
      expect(commandLine(pod.spec.containers[0])).toContain(
        `http://rel-apollo.${ns}:4200/.well-known/apollo/server-health`,
      );
    });
  });

  describe('prefectConfig', () => {
    it('becomes PREFECT_SERVER__ variables; its telemetry setting wins over apollo.options', async () => {
      const rendered = await template(helm, {
        prefectConfig: { telemetry: { enabled: true }, hasura: { execute_retry_seconds: 10 } },
        apollo: { options: { telemetryEnabled: false } },
      });
      const apollo = container(deployment(rendered, 'apollo'), 'apollo');
      const telemetry = apollo.env.filter(
        (e: K8sObject) => e.name === 'PREFECT_SERVER__TELEMETRY__ENABLED',
      );
      expect(telemetry).toEqual([{ name: 'PREFECT_SERVER__TELEMETRY__ENABLED', value: 'true' }]);
      expect(envValues(apollo).PREFECT_SERVER__HASURA__EXECUTE_RETRY_SECONDS).toBe('10');
      expect(envValues(container(deployment(rendered, 'hasura'), 'hasura'))).not.toHaveProperty(
        'PREFECT_SERVER__HASURA__EXECUTE_RETRY_SECONDS',
      );
    });
  });

  describe('resources', () => {
    it('adds default requests only where the user set neither a request nor a limit', async () => {
      const rendered = await template(helm, {
        hasura: { resources: { limits: { cpu: '50m', memory: '64Mi' } } },
        ui: { resources: { limits: { memory: '1Gi' } } },
        towel: { resources: { requests: { cpu: '2' } } },
      });
      // Limits below the default requests stay valid: no request above a limit.
      expect(podSpec(deployment(rendered, 'hasura')).containers[0].resources).toEqual({
        limits: { cpu: '50m', memory: '64Mi' },
      });
      expect(podSpec(deployment(rendered, 'ui')).containers[0].resources).toEqual({
        limits: { memory: '1Gi' },
        requests: { cpu: '25m' },
      });
      expect(podSpec(deployment(rendered, 'towel')).containers[0].resources).toEqual({
        requests: { cpu: '2', memory: '128Mi' },
      });
      expect(podSpec(deployment(rendered, 'apollo')).containers[0].resources).toEqual({
        requests: { cpu: '100m', memory: '256Mi' },
      });
    });
  });

  describe('external database', () => {
    it('renders no database objects and reads the existing Secret (key by era: 2022.09 without era keys)', () => {
      const rendered = r('externalDatabase');
      expect(rendered.byComponent('StatefulSet', 'postgresql')).toEqual([]);
      expect(rendered.byComponent('Service', 'postgresql')).toEqual([]);
      expect(rendered.all('ConfigMap')).toEqual([]);
      expect(rendered.all('Secret')).toEqual([]);
      const url = 'postgresql://prefect@db.example.com:5432/prefect';
      const graphql = container(deployment(rendered, 'graphql'), 'graphql');
      expect(envValues(graphql)).toMatchObject(sharedServerEnv(url, 'db.example.com'));
      // helm template cannot look the Secret up, and no era key is set: the last release's key.
      expect(secretRef(graphql, 'PGPASSWORD')).toEqual({
        name: 'my-db-secret',
        key: 'postgres-password',
      });
      const hasura = container(deployment(rendered, 'hasura'), 'hasura');
      expect(envValues(hasura).HASURA_GRAPHQL_DATABASE_URL).toBe(url);
      expect(secretRef(hasura, 'PGPASSWORD')).toEqual({
        name: 'my-db-secret',
        key: 'postgres-password',
      });
    });

    it('reads auth.existingSecret with the key postgres-password', () => {
      const rendered = r('externalDatabaseAuthSecret');
      expect(rendered.all('Secret')).toEqual([]);
      for (const component of ['hasura', 'graphql', 'towel', 'apollo']) {
        const c = podSpec(deployment(rendered, component)).containers[0];
        const env =
          component === 'hasura' || component === 'graphql'
            ? 'PGPASSWORD'
            : 'PREFECT_SERVER__DATABASE__PASSWORD';
        expect(secretRef(c, env), component).toEqual({
          name: 'my-db-secret-2022',
          key: 'postgres-password',
        });
      }
      expect(envValues(container(deployment(rendered, 'graphql'), 'graphql'))).toMatchObject(
        sharedServerEnv(
          'postgresql://app@db.example.com:5432/flows',
          'db.example.com',
          '5432',
          'app',
        ),
      );
    });
  });

  describe('agent', () => {
    it('runs the Kubernetes agent with its environment and job template', () => {
      const rendered = r('agent');
      const agent = deployment(rendered, 'agent');
      const c = container(agent, 'agent');
      expect(c.image).toBe('prefecthq/prefect:1.4.0');
      expect(commandLine(c)).toBe(
        'prefect agent kubernetes start --job-template /etc/prefect/job-template/custom_job.yaml',
      );
      expect(envValues(c)).toEqual({
        PREFECT__BACKEND: 'server',
        PREFECT__CLOUD__API: `http://rel-apollo.${ns}:4200/graphql`,
        NAMESPACE: ns,
        PREFECT__CLOUD__AGENT__LABELS: '["prod","k8s"]',
        PREFECT__CLOUD__AGENT__AGENT_ADDRESS: 'http://0.0.0.0:8080',
        SERVICE_ACCOUNT_NAME: 'rel-serviceaccount',
        IMAGE_PULL_SECRETS: 'regcred,other-cred',
        JOB_MEM_REQUEST: '512Mi',
        JOB_MEM_LIMIT: '1Gi',
        JOB_CPU_REQUEST: '500m',
        JOB_CPU_LIMIT: '2',
        IMAGE_PULL_POLICY: 'Always',
      });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/api/health', port: 'health' });
      expect(c.ports).toContainEqual({ name: 'health', containerPort: 8080, protocol: 'TCP' });
      expect(c.volumeMounts).toEqual([
        { name: 'job-template', mountPath: '/etc/prefect/job-template', readOnly: true },
      ]);
      expect(podSpec(agent).volumes).toEqual([
        { name: 'job-template', configMap: { name: 'flow-job-template' } },
      ]);
      expect(podSpec(agent).automountServiceAccountToken).toBe(true);
      expect(podSpec(agent).serviceAccountName).toBe('rel-serviceaccount');
    });

    it('limits the Role to the namespace resources the agent uses, without wildcards', () => {
      const rendered = r('agent');
      // Named as the original chart named them.
      const role = rendered.get('Role', 'rel-agent-role');
      expect(rendered.get('RoleBinding', 'rel-agent-role-binding').roleRef.name).toBe(
        'rel-agent-role',
      );
      const grants = new Map<string, string[]>();
      for (const rule of role.rules) {
        for (const group of rule.apiGroups) {
          for (const resource of rule.resources) grants.set(`${group}/${resource}`, rule.verbs);
        }
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      }
      expect([...grants.keys()].sort()).toEqual(
        [
          'batch/jobs',
          'batch/jobs/status',
          '/pods',
          '/pods/log',
          '/events',
          '/services',
          'policy/poddisruptionbudgets',
        ].sort(),
      );
      const write = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
      expect(grants.get('batch/jobs')?.slice().sort()).toEqual(write);
      expect(grants.get('/pods')?.slice().sort()).toEqual(write);
      expect(grants.get('/pods/log')?.slice().sort()).toEqual(['get', 'list', 'watch']);
      expect(grants.get('/events')?.slice().sort()).toEqual(['get', 'list', 'watch']);
      const binding = rendered.get('RoleBinding', 'rel-agent-role-binding');
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'rel-agent-role',
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'rel-serviceaccount', namespace: ns },
      ]);
      expect(rendered.get('ServiceAccount', 'rel-serviceaccount')).toBeDefined();
    });
  });

  describe('ingress', () => {
    it('routes apollo and the UI with class, hosts, path and TLS', () => {
      const rendered = r('ingress');
      const apollo = rendered.get('Ingress', 'rel-apollo');
      expect(apollo.spec.ingressClassName).toBe('nginx');
      expect(apollo.metadata.annotations).toEqual({
        'cert-manager.io/cluster-issuer': 'letsencrypt',
      });
      expect(apollo.metadata.labels.team).toBe('data');
      expect(apollo.spec.tls).toEqual([
        { secretName: 'api-tls', hosts: ['api.prefect.example.com'] },
      ]);
      expect(apollo.spec.rules).toEqual([
        {
          host: 'api.prefect.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'rel-apollo', port: { number: 4200 } } },
              },
            ],
          },
        },
      ]);
      const ui = rendered.get('Ingress', 'rel-ui');
      expect(ui.spec.rules.map((rule: K8sObject) => rule.host)).toEqual([
        'prefect.example.com',
        'www.prefect.example.com',
      ]);
      expect(ui.spec.rules[1].http.paths[0]).toMatchObject({
        path: '/ui',
        backend: { service: { name: 'rel-ui', port: { number: 8080 } } },
      });
      expect(ui.spec.tls).toEqual([{ secretName: 'ui-tls', hosts: ['prefect.example.com'] }]);
      expect(
        envValues(container(deployment(rendered, 'ui'), 'ui')).PREFECT_SERVER__APOLLO_URL,
      ).toBe('https://api.prefect.example.com/graphql');
    });

    it('renders no Ingress by default', () => {
      expect(r('defaults').all('Ingress')).toEqual([]);
    });
  });

  describe('includeChartNameInComponents', () => {
    it('names every object {release}-{chart}-{component}, selectors unchanged', () => {
      const rendered = r('chartNameInComponents');
      // The database's objects keep {release}-postgresql, as the original's Bitnami subchart
      // named them: the kept password Secret and the database host do not move.
      for (const object of rendered.objects) {
        const database = object.metadata.labels?.['app.kubernetes.io/component'] === 'postgresql';
        expect(object.metadata.name, object.kind).toMatch(
          database ? /^rel-postgresql/ : /^rel-prefect-server-/,
        );
      }
      expect(rendered.names('Deployment').sort()).toEqual(
        ['agent', 'apollo', 'graphql', 'hasura', 'towel', 'ui'].map(
          (c) => `rel-prefect-server-${c}`,
        ),
      );
      const graphql = container(deployment(rendered, 'graphql'), 'graphql');
      expect(envValues(graphql).PREFECT_SERVER__DATABASE__CONNECTION_URL).toBe(
        `postgresql://prefect@rel-postgresql.${ns}:5432/prefect`,
      );
      expect(secretRef(graphql, 'PGPASSWORD').name).toBe('rel-postgresql');
      expect(deployment(rendered, 'apollo').spec.selector.matchLabels).toEqual(
        selectorLabels('apollo'),
      );
      const agent = container(deployment(rendered, 'agent'), 'agent');
      expect(envValues(agent).PREFECT__CLOUD__API).toBe(
        `http://rel-prefect-server-apollo.${ns}:4200/graphql`,
      );
      expect(envValues(agent).SERVICE_ACCOUNT_NAME).toBe('rel-prefect-server-serviceaccount');
    });
  });

  describe("a release name of 53 characters (helm's maximum)", () => {
    it('keeps every name a valid DNS label of at most 63 characters', async () => {
      const release = `p${'x'.repeat(51)}1`;
      const values = {
        includeChartNameInComponents: true,
        agent: { enabled: true },
        jobs: { createTenant: { enabled: true } },
      };
      const rendered = await template(helm, values, { release });
      checkInvariants(rendered, { release });
      const names = rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(new Set(names).size).toBe(names.length);
    });
  });

  describe('database keys of both eras', () => {
    it('honours the seed-era keys', () => {
      const rendered = r('seedEra');
      const url = `postgresql://seeduser@rel-postgresql.${ns}:6543/seeddb`;
      const graphql = container(deployment(rendered, 'graphql'), 'graphql');
      expect(envValues(graphql)).toMatchObject(
        sharedServerEnv(url, `rel-postgresql.${ns}`, '6543', 'seeduser'),
      );
      expect(decodeSecret(rendered.get('Secret', 'rel-postgresql'))).toEqual({
        'postgresql-password': 'seed-Pa55word',
        'postgres-password': 'seed-Pa55word',
        password: 'seed-Pa55word',
      });
      // Only seed-era keys: the pods read the key the seed-era releases read.
      expect(secretRef(graphql, 'PGPASSWORD').key).toBe('postgresql-password');
      expect(rendered.get('Service', 'rel-postgresql').spec.ports[0]).toMatchObject({
        port: 6543,
        targetPort: 'postgresql',
      });
      const sts = rendered.get('StatefulSet', 'rel-postgresql');
      expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast',
        resources: { requests: { storage: '20Gi' } },
      });
      expect(podSpec(sts).volumes.map((v: K8sObject) => v.name)).not.toContain('data');
      expect(envValues(podSpec(sts).containers[0])).toMatchObject({
        POSTGRES_USER: 'seeduser',
        POSTGRES_DB: 'seeddb',
      });
      const initdb = rendered.get('ConfigMap', 'rel-postgresql-initdb').data;
      expect(initdb['create_pgcrypto.sql']).toBe('CREATE EXTENSION IF NOT EXISTS pgcrypto;\n');
    });

    it('honours the 2022.09-era keys', () => {
      const rendered = r('era202209');
      const url = `postgresql://newuser@rel-postgresql.${ns}:7654/newdb`;
      const graphql = container(deployment(rendered, 'graphql'), 'graphql');
      expect(envValues(graphql)).toMatchObject(
        sharedServerEnv(url, `rel-postgresql.${ns}`, '7654', 'newuser'),
      );
      expect(
        envValues(container(deployment(rendered, 'hasura'), 'hasura')).HASURA_GRAPHQL_DATABASE_URL,
      ).toBe(url);
      expect(decodeSecret(rendered.get('Secret', 'rel-postgresql'))['postgres-password']).toBe(
        'new-Pa55word',
      );
      const sts = rendered.get('StatefulSet', 'rel-postgresql');
      expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        resources: { requests: { storage: '30Gi' } },
      });
      expect(rendered.get('ConfigMap', 'rel-postgresql-initdb').data['extra.sql']).toBe(
        'SELECT 1;\n',
      );
    });

    it('lets the 2022.09-era keys win over the seed-era keys, key by key', () => {
      const rendered = r('bothEras');
      const graphql = container(deployment(rendered, 'graphql'), 'graphql');
      expect(envValues(graphql)).toMatchObject(
        sharedServerEnv(
          `postgresql://newuser@rel-postgresql.${ns}:6543/seeddb`,
          `rel-postgresql.${ns}`,
          '6543',
          'newuser',
        ),
      );
      expect(secretRef(graphql, 'PREFECT_SERVER__DATABASE__PASSWORD')).toEqual({
        name: 'new-secret',
        key: 'postgres-password',
      });
      // An existing Secret: the chart makes none.
      expect(rendered.all('Secret')).toEqual([]);
      const sts = rendered.get('StatefulSet', 'rel-postgresql');
      expect(secretRef(podSpec(sts).containers[0], 'POSTGRES_PASSWORD')).toEqual({
        name: 'new-secret',
        key: 'postgres-password',
      });
      // primary.persistence.enabled=true beats persistence.enabled=false; size comes from the seed key.
      expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    });
  });

  describe('createTenant', () => {
    it('runs an idempotent hook Job that waits for apollo', () => {
      const rendered = r('createTenant');
      // Named as the original chart's Job was.
      const job = rendered.get('Job', 'rel-create-tenant-job');
      expect(job.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'post-install,post-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation',
      });
      expect(job.spec.backoffLimit).toBe(4);
      expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
      expect(job.spec.activeDeadlineSeconds).toBeLessThanOrEqual(3600);
      const c = container(job, 'create-tenant');
      expect(c.image).toBe('prefecthq/prefect:1.4.0');
      expect(envValues(c)).toMatchObject({
        PREFECT__BACKEND: 'server',
        PREFECT__CLOUD__API: `http://rel-apollo.${ns}:4200/graphql`,
        APOLLO_HEALTH_URL: `http://rel-apollo.${ns}:4200/.well-known/apollo/server-health`,
        TENANT_NAME: 'Data Team',
        TENANT_SLUG: 'data-team',
      });
      const script = commandLine(c);
      expect(script).toContain(
        'prefect server create-tenant --name "$TENANT_NAME" --slug "$TENANT_SLUG"',
      );
      expect(script).toContain('Uniqueness violation');
      expect(script).toContain('urllib.request.urlopen');
      expect(Number(envValues(c).WAIT_SECONDS)).toBeLessThan(job.spec.activeDeadlineSeconds);
    });

    it('is absent by default', () => {
      expect(r('defaults').all('Job')).toEqual([]);
    });
  });
});

describe('release and namespace names YAML 1.1 reads as booleans', () => {
  it.each(helms())('are quoted wherever they are values ($label)', async (h) => {
    const result = await templateRaw(h, {}, { release: 'y', namespace: 'on' });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/instance: y$/m);
    expect(result.stdout).not.toMatch(/namespace: on$/m);
    expect(result.stdout).toMatch(/app\.kubernetes\.io\/instance: "y"/);
    expect(result.stdout).toMatch(/namespace: "on"/);
  });
});

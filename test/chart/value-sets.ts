// The value sets the chart is rendered with, shared by the template and lint tests.
import type { Values } from './render.js';

export const VALUE_SETS = {
  defaults: {},
  externalDatabase: {
    postgresql: {
      useSubChart: false,
      externalHostname: 'db.example.com',
      existingSecret: 'my-db-secret',
    },
  },
  externalDatabaseAuthSecret: {
    postgresql: {
      useSubChart: false,
      externalHostname: 'db.example.com',
      auth: { existingSecret: 'my-db-secret-2022', username: 'app', database: 'flows' },
    },
  },
  agent: {
    agent: {
      enabled: true,
      prefectLabels: ['prod', 'k8s'],
      jobTemplateFilePath: 'custom_job.yaml',
      jobTemplateFileConfigMap: 'flow-job-template',
      job: {
        resources: {
          requests: { memory: '512Mi', cpu: '500m' },
          limits: { memory: '1Gi', cpu: 2 },
        },
        imagePullPolicy: 'Always',
        imagePullSecrets: ['regcred', { name: 'other-cred' }],
      },
    },
  },
  ingress: {
    apollo: {
      ingress: {
        enabled: true,
        ingressClassName: 'nginx',
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
        labels: { team: 'data' },
        hosts: ['api.prefect.example.com'],
        path: '/',
        tls: [{ secretName: 'api-tls', hosts: ['api.prefect.example.com'] }],
      },
    },
    ui: {
      apolloApiUrl: 'https://api.prefect.example.com/graphql',
      ingress: {
        enabled: true,
        ingressClassName: 'nginx',
        hosts: ['prefect.example.com', 'www.prefect.example.com'],
        path: '/ui',
        tls: [{ secretName: 'ui-tls', hosts: ['prefect.example.com'] }],
      },
    },
  },
  chartNameInComponents: { includeChartNameInComponents: true, agent: { enabled: true } },
  // The keys of the original chart before 2022.09.07 (Bitnami PostgreSQL 9).
  seedEra: {
    postgresql: {
      postgresqlDatabase: 'seeddb',
      postgresqlUsername: 'seeduser',
      postgresqlPassword: 'seed-Pa55word',
      servicePort: 6543,
      persistence: { enabled: true, size: '20Gi', storageClass: 'fast' },
      initdbUser: 'postgres',
      initdbScripts: { 'create_pgcrypto.sql': 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\n' },
    },
  },
  // The keys from 2022.09.07 on (Bitnami PostgreSQL 11).
  era202209: {
    postgresql: {
      auth: { username: 'newuser', password: 'new-Pa55word', database: 'newdb' },
      primary: {
        service: { ports: { postgresql: 7654 } },
        persistence: { enabled: true, size: '30Gi', storageClass: '-' },
        initdb: { scripts: { 'extra.sql': 'SELECT 1;\n' }, user: 'postgres' },
      },
    },
  },
  // Both eras at once: the 2022.09-era keys win, key by key.
  bothEras: {
    postgresql: {
      postgresqlUsername: 'seeduser',
      postgresqlDatabase: 'seeddb',
      postgresqlPassword: 'seed-Pa55word',
      servicePort: 6543,
      existingSecret: 'seed-secret',
      persistence: { enabled: false, size: '20Gi' },
      auth: { username: 'newuser', existingSecret: 'new-secret' },
      primary: { persistence: { enabled: true } },
    },
  },
  createTenant: {
    jobs: {
      createTenant: {
        enabled: true,
        tenant: { name: 'Data Team', slug: 'data-team' },
        backoffLimit: 4,
      },
    },
  },
} satisfies Record<string, Values>;

export type SetName = keyof typeof VALUE_SETS;
/** Passwords the value sets contain: they must never leave a Secret. */
export const VALUE_SET_PASSWORDS = ['seed-Pa55word', 'new-Pa55word'];

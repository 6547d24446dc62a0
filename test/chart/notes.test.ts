// NOTES.txt tells how to reach the UI and the API for the chosen exposure, and whether a tenant
// still has to be created.
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { renderNotes } from './render.js';

describe.each(helms())('NOTES.txt with $label', (helm) => {
  it('defaults: port-forward commands, the UI url, a tenant still to create, no persistence', async () => {
    const notes = await renderNotes(helm);
    expect(notes).toContain('kubectl --namespace prefect-ns port-forward svc/rel-ui 8080:8080');
    expect(notes).toContain('open http://localhost:8080');
    expect(notes).toContain('kubectl --namespace prefect-ns port-forward svc/rel-apollo 4200:4200');
    expect(notes).toContain('The API is then http://localhost:4200/graphql');
    expect(notes).toContain('Keep the apollo port-forward of step 2 running');
    expect(notes).toContain('No tenant is created');
    expect(notes).toContain('prefect server create-tenant --name default --slug default');
    expect(notes).toContain('--set jobs.createTenant.enabled=true');
    expect(notes).toContain('WARNING: persistence is off');
    expect(notes).toContain('Secret rel-postgresql; helm keeps it on uninstall');
    expect(notes).toContain('helm test rel --namespace prefect-ns');
    expect(notes).not.toContain('WARNING: apollo');
  });

  it('LoadBalancer: how to read the external addresses, and a UI still pointing at localhost', async () => {
    const notes = await renderNotes(helm, {
      apollo: { service: { type: 'LoadBalancer', port: 80 } },
      ui: { service: { type: 'LoadBalancer' } },
    });
    expect(notes).toContain('kubectl --namespace prefect-ns get svc rel-ui --template');
    expect(notes).toContain('echo "UI: http://$UI_HOST:8080"');
    expect(notes).toContain('kubectl --namespace prefect-ns get svc rel-apollo --template');
    expect(notes).toContain('echo "API: http://$API_HOST:80/graphql"');
    expect(notes).toContain('{{ range (index .status.loadBalancer.ingress 0) }}{{ . }}{{ end }}');
    expect(notes).toContain('WARNING: apollo is published but the UI still points at localhost');
    expect(notes).not.toContain('port-forward');
  });

  it('NodePort: how to read the node ports', async () => {
    const notes = await renderNotes(helm, {
      apollo: { service: { type: 'NodePort' } },
      ui: { service: { type: 'NodePort' } },
    });
    expect(notes).toContain('UI_PORT=$(kubectl --namespace prefect-ns get svc rel-ui');
    expect(notes).toContain('API_PORT=$(kubectl --namespace prefect-ns get svc rel-apollo');
    expect(notes).toContain('{{ (index .spec.ports 0).nodePort }}');
  });

  it('Ingress with TLS: the https URLs, and the apolloApiUrl to set', async () => {
    const values = {
      apollo: {
        ingress: {
          enabled: true,
          hosts: ['api.example.com'],
          tls: [{ secretName: 'api-tls', hosts: ['api.example.com'] }],
        },
      },
      ui: { ingress: { enabled: true, hosts: ['prefect.example.com'], path: '/' } },
    };
    const notes = await renderNotes(helm, values);
    expect(notes).toContain('https://api.example.com/graphql');
    expect(notes).toContain('http://prefect.example.com/');
    expect(notes).toContain('WARNING: apollo has an Ingress but the UI still points at localhost');
    expect(notes).toContain('--set ui.apolloApiUrl=https://api.example.com/graphql');

    const fixed = await renderNotes(helm, {
      ...values,
      ui: { ...values.ui, apolloApiUrl: 'https://api.example.com/graphql' },
    });
    expect(fixed).toContain(
      'The UI calls the API from your browser at: https://api.example.com/graphql',
    );
    expect(fixed).not.toContain('WARNING: apollo');
  });

  it('createTenant: the hook Job and its log instead of instructions', async () => {
    const notes = await renderNotes(helm, {
      jobs: { createTenant: { enabled: true, tenant: { name: 'Team', slug: 'team' } } },
    });
    expect(notes).toContain(
      'The hook Job rel-create-tenant-job creates the tenant "Team" (slug "team")',
    );
    expect(notes).toContain('kubectl --namespace prefect-ns logs job/rel-create-tenant-job');
    expect(notes).not.toContain('No tenant is created');
  });

  it('external database with an existing Secret, and persistence: no warnings, no password', async () => {
    const external = await renderNotes(helm, {
      postgresql: {
        useSubChart: false,
        externalHostname: 'db.example.com',
        existingSecret: 'db-pwd',
      },
    });
    expect(external).toContain('External PostgreSQL: db.example.com:5432');
    expect(external).toContain('your Secret db-pwd (key postgres-password)');
    expect(external).not.toContain('WARNING: persistence');

    const persisted = await renderNotes(helm, {
      postgresql: {
        postgresqlPassword: 'n0t-in-notes',
        primary: { persistence: { enabled: true } },
      },
      agent: { enabled: true, prefectLabels: ['k8s'] },
    });
    expect(persisted).not.toContain('WARNING: persistence');
    expect(persisted).not.toContain('n0t-in-notes');
    expect(persisted).toContain(
      'rel-agent runs flows as Jobs in namespace prefect-ns, Prefect labels ["k8s"]',
    );
  });
});

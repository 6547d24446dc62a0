// Properties every rendering of the chart must have, whatever the values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import {
  COMPONENT_LABEL,
  chartDir,
  containers,
  type K8sObject,
  NAMESPACE,
  podSpec,
  RELEASE,
  type Rendered,
} from './render.js';

export const chartMeta = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
  name: string;
  version: string;
  appVersion: string;
};

export const COMPONENTS = [
  'postgresql',
  'hasura',
  'graphql',
  'towel',
  'apollo',
  'ui',
  'agent',
  'create-tenant',
  'retention',
  'serviceaccount',
  'test',
];

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'Pod'];
const PASSWORD_ENV = ['PGPASSWORD', 'PREFECT_SERVER__DATABASE__PASSWORD', 'POSTGRES_PASSWORD'];

export interface InvariantOptions {
  release?: string;
  namespace?: string;
  /** Passwords that must appear nowhere in the rendered objects except in Secret data. */
  secrets?: string[];
  /** Expected pull policy of the chart's images, when the values set does not change it. */
  pullPolicy?: string;
}

export function selectorLabels(component: string, release = RELEASE): Record<string, string> {
  return {
    'app.kubernetes.io/name': chartMeta.name,
    'app.kubernetes.io/instance': release,
    [COMPONENT_LABEL]: component,
  };
}

export function standardLabels(component: string, release = RELEASE): Record<string, string> {
  return {
    ...selectorLabels(component, release),
    'app.kubernetes.io/version': chartMeta.appVersion,
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': `${chartMeta.name}-${chartMeta.version}`,
  };
}

function where(object: K8sObject): string {
  return `${object.kind} ${object.metadata?.name}`;
}

export function checkInvariants(rendered: Rendered, options: InvariantOptions = {}): void {
  const release = options.release ?? RELEASE;
  const namespace = options.namespace ?? NAMESPACE;
  expect(rendered.objects.length).toBeGreaterThan(0);

  for (const object of rendered.objects) {
    const name = object.metadata?.name as string;
    expect(name, where(object)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length, where(object)).toBeLessThanOrEqual(63);
    // Long release names are shortened to leave room for the component, never below 43 characters
    // (62 less the longest suffix, `agent-role-binding`, the original chart's name for it).
    const prefix = release.length > 43 ? release.slice(0, 43) : `${release}-`;
    expect(name.startsWith(prefix), `${where(object)} starts with the release`).toBe(true);
    expect(object.metadata.namespace, where(object)).toBe(namespace);
    const labels = object.metadata.labels ?? {};
    const component = labels[COMPONENT_LABEL];
    expect(COMPONENTS, `${where(object)} component label`).toContain(component);
    expect(labels, where(object)).toMatchObject(standardLabels(component, release));
    for (const value of Object.values(object.metadata.annotations ?? {})) {
      expect(typeof value, `${where(object)} annotation values are strings`).toBe('string');
    }
  }

  for (const object of rendered.objects.filter((o) => WORKLOAD_KINDS.includes(o.kind))) {
    checkWorkload(object, release, options);
  }

  checkServices(rendered);
  checkIngresses(rendered);
  checkNoPlainPasswords(rendered, options.secrets ?? []);
}

function checkWorkload(object: K8sObject, release: string, options: InvariantOptions): void {
  const component = object.metadata.labels[COMPONENT_LABEL];
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet') {
    // Selectors are immutable: name, instance, component and nothing else.
    expect(object.spec.selector.matchLabels, where(object)).toEqual(
      selectorLabels(component, release),
    );
    expect(object.spec.template.metadata.labels, where(object)).toMatchObject(
      standardLabels(component, release),
    );
  }
  const spec = podSpec(object);
  expect(spec.automountServiceAccountToken, `${where(object)} token mount`).toBe(
    component === 'agent',
  );
  expect(spec.securityContext?.seccompProfile?.type, `${where(object)} seccomp`).toBe(
    'RuntimeDefault',
  );
  for (const c of containers(object)) {
    const at = `${where(object)} container ${c.name}`;
    expect(c.image, at).toMatch(/^[a-z0-9./_-]+:[\w.-]+$/);
    if (options.pullPolicy) expect(c.imagePullPolicy, at).toBe(options.pullPolicy);
    // A request for cpu and memory: explicit, or the limit (Kubernetes uses it as the request).
    for (const resource of ['cpu', 'memory']) {
      const request = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
      expect(request, `${at} requests ${resource}`).toBeDefined();
    }
    expect(c.securityContext?.allowPrivilegeEscalation, at).toBe(false);
    expect(c.securityContext?.capabilities?.drop, at).toEqual(['ALL']);
    const names = (c.env ?? []).map((entry: K8sObject) => entry.name);
    expect(names, `${at} has no duplicate env names`).toEqual([...new Set(names)]);
    for (const entry of c.env ?? []) {
      if (PASSWORD_ENV.includes(entry.name)) {
        expect(entry.value, `${at} ${entry.name} is not inlined`).toBeUndefined();
        expect(entry.valueFrom?.secretKeyRef?.name, `${at} ${entry.name}`).toBeTruthy();
        expect(['postgresql-password', 'postgres-password'], at).toContain(
          entry.valueFrom.secretKeyRef.key,
        );
      }
    }
  }
}

function checkServices(rendered: Rendered): void {
  const pods = rendered
    .all()
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => ({ labels: o.spec.template.metadata.labels, spec: podSpec(o) }));
  for (const service of rendered.all('Service')) {
    const selected = pods.filter((pod) =>
      Object.entries(service.spec.selector).every(([key, value]) => pod.labels[key] === value),
    );
    expect(selected.length, `${where(service)} selects one workload`).toBe(1);
    const ports = (selected[0]?.spec.containers ?? []).flatMap((c: K8sObject) => c.ports ?? []);
    for (const port of service.spec.ports) {
      expect(
        ports.map((p: K8sObject) => p.name),
        `${where(service)} targetPort`,
      ).toContain(port.targetPort);
    }
  }
}

function checkIngresses(rendered: Rendered): void {
  for (const ingress of rendered.all('Ingress')) {
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    for (const rule of ingress.spec.rules) {
      for (const path of rule.http.paths) {
        const service = rendered.get('Service', path.backend.service.name);
        expect(
          service.spec.ports.map((p: K8sObject) => p.port),
          where(ingress),
        ).toContain(path.backend.service.port.number);
      }
    }
  }
}

function checkNoPlainPasswords(rendered: Rendered, secrets: string[]): void {
  const outsideSecrets = JSON.stringify(rendered.objects.filter((o) => o.kind !== 'Secret'));
  for (const secret of secrets) {
    expect(outsideSecrets.includes(secret), 'a password appears outside a Secret').toBe(false);
  }
  // Connection URLs never carry a password.
  expect(outsideSecrets).not.toMatch(/postgres(ql)?:\/\/[^@/"]*:[^@/"]*@/);
}

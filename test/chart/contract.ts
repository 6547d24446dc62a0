// The original chart is the reference: `../shared/original-chart/contract.json` holds what the
// released packages gave each container (rendered from the real packages). This module renders
// our chart with the same values (the release's published values.yaml under the case's values,
// exactly what helm merged for the original) and lists every difference as one line of the form
// `<kind> <where> <detail>`; chart/README.md lists the deliberate ones, with their reasons.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { HelmUnderTest } from '../support/tools.js';
import { podSpec, type Rendered, template, type Values } from './render.js';

export const sharedOriginal = resolve(import.meta.dirname, '../../../shared/original-chart');
export const CONTRACT_RELEASE = 'prefect';
export const CONTRACT_NAMESPACE = 'prefect';

// biome-ignore lint/suspicious/noExplicitAny: contract.json is data read by deep paths.
type Data = Record<string, any>;

export const contract: Data = JSON.parse(
  readFileSync(resolve(sharedOriginal, 'contract.json'), 'utf8'),
);

export function publishedValues(version: string): Values {
  return parse(readFileSync(resolve(sharedOriginal, 'values', `${version}.yaml`), 'utf8')) ?? {};
}

/** JSON with sorted keys: the same object whatever order helm printed its fields in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function isObject(value: unknown): value is Values {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** helm's merge of a values file over the chart's values: maps merge, everything else replaces. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(base[key]) ? mergeValues(base[key], value) : value;
  }
  return out;
}

export interface ContractCase {
  name: string;
  release: string;
  values: Values;
  render: Data;
}

export function contractCases(): ContractCase[] {
  return Object.entries(contract.cases as Data).flatMap(([name, data]) =>
    Object.entries(data.renders as Data).map(([release, render]) => ({
      name,
      release,
      values: (data.values as Values) ?? {},
      render,
    })),
  );
}

/** The placeholders of contract.json for this case, as the names they stand for. */
function placeholderValues(values: Values): Record<string, string> {
  const prefix = values.includeChartNameInComponents
    ? `${CONTRACT_RELEASE}-prefect-server`
    : CONTRACT_RELEASE;
  const host = (component: string) => `${prefix}-${component}.${CONTRACT_NAMESPACE}`;
  const postgresql = values.postgresql as Values | undefined;
  return {
    '<HASURA_HOST>': host('hasura'),
    '<GRAPHQL_HOST>': host('graphql'),
    '<APOLLO_HOST>': host('apollo'),
    '<UI_HOST>': host('ui'),
    '<POSTGRES_HOST>':
      postgresql?.useSubChart === false
        ? String(postgresql.externalHostname)
        : `${CONTRACT_RELEASE}-postgresql.${CONTRACT_NAMESPACE}`,
  };
}

function substitute(value: unknown, placeholders: Record<string, string>): unknown {
  if (typeof value !== 'string') return value;
  let out = value;
  for (const [placeholder, name] of Object.entries(placeholders))
    out = out.split(placeholder).join(name);
  return out;
}

/** Renders our chart as the original was rendered for this case and release. */
export async function renderLikeOriginal(helm: HelmUnderTest, c: ContractCase): Promise<Rendered> {
  const values = mergeValues(publishedValues(c.release), c.values);
  return template(helm, values, { release: CONTRACT_RELEASE, namespace: CONTRACT_NAMESPACE });
}

function argv(container: Data): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

function probePath(probe: Data | undefined): string | undefined {
  if (!probe) return undefined;
  return probe.path ?? probe.httpGet?.path ?? (probe.exec ? 'exec' : probe.tcpSocket ? 'tcp' : '?');
}

function envMap(container: Data, placeholders: Record<string, string>): Map<string, string> {
  return new Map(
    (container.env ?? []).map((env: Data) => {
      const ref = env.valueFrom?.secretKeyRef;
      const shown =
        typeof ref === 'string'
          ? `secret:${ref}`
          : ref
            ? `secret:${ref.name}/${ref.key}`
            : env.valueFrom
              ? `from:${JSON.stringify(env.valueFrom)}`
              : `value:${substitute(env.value ?? '', placeholders)}`;
      return [env.name as string, shown];
    }),
  );
}

function compareContainer(
  where: string,
  original: Data,
  ours: Data | undefined,
  placeholders: Record<string, string>,
  out: string[],
): void {
  if (!ours) {
    out.push(`container-missing ${where}`);
    return;
  }
  if (ours.image !== original.image) out.push(`image ${where} ${original.image} -> ${ours.image}`);
  if (ours.imagePullPolicy !== original.imagePullPolicy)
    out.push(`pull-policy ${where} ${original.imagePullPolicy} -> ${ours.imagePullPolicy}`);
  const [a, b] = [argv(original), argv(ours)].map((list) => list.join(' '));
  if (a !== b) out.push(`command ${where}`);
  const originalEnv = envMap(original, placeholders);
  const ourEnv = envMap(ours, {});
  for (const [name, value] of originalEnv) {
    const mine = ourEnv.get(name);
    if (mine === undefined) out.push(`env-missing ${where} ${name}`);
    else if (mine !== value) {
      const kind =
        value.startsWith('secret:') || mine.startsWith('secret:') ? 'env-secret' : 'env-value';
      out.push(`${kind} ${where} ${name} ${value} -> ${mine}`);
    }
  }
  for (const name of ourEnv.keys())
    if (!originalEnv.has(name)) out.push(`env-extra ${where} ${name}`);
  const ports = (list: Data[] | undefined) =>
    (list ?? [])
      .map((p) => `${p.name ?? ''}:${p.containerPort}`)
      .sort()
      .join(',');
  if (ports(original.ports) !== ports(ours.ports))
    out.push(`ports ${where} ${ports(original.ports)} -> ${ports(ours.ports)}`);
  for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
    const [p, q] = [probePath(original[probe]), probePath(ours[probe])];
    if (p !== q) out.push(`probe ${where} ${probe} ${p} -> ${q}`);
  }
}

function compareWorkload(
  component: string,
  original: Data,
  rendered: Rendered,
  placeholders: Record<string, string>,
  out: string[],
): void {
  const ours = rendered.find(original.kind, original.name);
  if (!ours) {
    out.push(`object-missing ${component} ${original.kind}/${original.name}`);
    return;
  }
  const spec = podSpec(ours);
  if (
    original.serviceAccountName !== undefined &&
    spec.serviceAccountName !== original.serviceAccountName
  )
    out.push(
      `service-account ${component} ${original.serviceAccountName} -> ${spec.serviceAccountName}`,
    );
  if (original.restartPolicy && spec.restartPolicy !== original.restartPolicy)
    out.push(`restart-policy ${component} ${original.restartPolicy} -> ${spec.restartPolicy}`);
  if (original.backoffLimit !== undefined && ours.spec.backoffLimit !== original.backoffLimit)
    out.push(`backoff-limit ${component} ${original.backoffLimit} -> ${ours.spec.backoffLimit}`);
  for (const field of ['initContainers', 'containers'] as const) {
    const mine: Data[] = spec[field] ?? [];
    for (const container of (original[field] ?? []) as Data[]) {
      const match = mine.find((c) => c.name === container.name);
      compareContainer(`${component}/${container.name}`, container, match, placeholders, out);
    }
    for (const container of mine)
      if (!(original[field] ?? []).some((c: Data) => c.name === container.name))
        out.push(`container-extra ${component}/${container.name}`);
  }
}

function compareServices(original: Data, rendered: Rendered, out: string[]): void {
  for (const [name, service] of Object.entries(original as Record<string, Data>)) {
    const ours = rendered.find('Service', name);
    if (!ours) {
      out.push(`service-missing ${name}`);
      continue;
    }
    if (ours.spec.type !== service.type)
      out.push(`service-type ${name} ${service.type} -> ${ours.spec.type}`);
    const ports = (list: Data[]) =>
      list
        .map((p) => `${p.port}`)
        .sort()
        .join(',');
    if (ports(service.ports) !== ports(ours.spec.ports ?? []))
      out.push(`service-port ${name} ${ports(service.ports)} -> ${ports(ours.spec.ports ?? [])}`);
    const annotations = (a: Data | null | undefined) => JSON.stringify(a ?? {});
    const ourAnnotations = { ...(ours.metadata.annotations ?? {}) };
    if (annotations(service.annotations) !== annotations(ourAnnotations))
      out.push(`service-annotations ${name}`);
    const selector = (s: Data | undefined) => JSON.stringify(Object.entries(s ?? {}).sort());
    if (selector(service.selector) !== selector(ours.spec.selector))
      out.push(`service-selector ${name}`);
  }
}

/**
 * Rules of an extensions/v1beta1 Ingress (releases before networking.k8s.io/v1 was rendered) in
 * v1's shape, so that the routing itself is compared: backend serviceName/servicePort become
 * service.name/port.number, and a path without a type is the Prefix type v1 requires.
 */
function v1Rules(rules: Data[] | undefined): Data[] | undefined {
  return rules?.map((rule) => ({
    ...rule,
    http: {
      paths: (rule.http?.paths ?? []).map((path: Data) => {
        const backend = path.backend?.serviceName
          ? {
              service: {
                name: path.backend.serviceName,
                port: { number: path.backend.servicePort },
              },
            }
          : path.backend;
        return { ...path, backend, pathType: path.pathType ?? 'Prefix' };
      }),
    },
  }));
}

function compareIngresses(original: Data, rendered: Rendered, out: string[]): void {
  for (const [component, ingress] of Object.entries(original as Record<string, Data>)) {
    const ours = rendered.find('Ingress', ingress.name);
    if (!ours) {
      out.push(`ingress-missing ${component} ${ingress.name}`);
      continue;
    }
    const same = (a: unknown, b: unknown) => canonical(a ?? null) === canonical(b ?? null);
    if (!same(ingress.annotations ?? {}, ours.metadata.annotations ?? {}))
      out.push(`ingress-annotations ${component}`);
    if (ingress.apiVersion !== ours.apiVersion)
      out.push(`ingress-api ${component} ${ingress.apiVersion} -> ${ours.apiVersion}`);
    for (const field of ['ingressClassName', 'rules', 'tls']) {
      const original = field === 'rules' ? v1Rules(ingress.spec.rules) : ingress.spec[field];
      if (!same(original, ours.spec[field])) out.push(`ingress-${field} ${component}`);
    }
  }
}

/** Every difference between the original's render of a case and ours, one line each. */
export function differences(c: ContractCase, rendered: Rendered): string[] {
  const out: string[] = [];
  const placeholders = placeholderValues(c.values);
  for (const [component, workload] of Object.entries(c.render.components as Record<string, Data>))
    compareWorkload(component, workload, rendered, placeholders, out);
  compareServices(c.render.services ?? {}, rendered, out);
  compareIngresses(c.render.ingresses ?? {}, rendered, out);
  if (c.render.serviceAccount && !rendered.find('ServiceAccount', c.render.serviceAccount))
    out.push(`serviceaccount-missing ${c.render.serviceAccount}`);
  if (c.render.dbSecret) {
    const secret = rendered.find('Secret', c.render.dbSecret.name);
    if (!secret) out.push(`db-secret-missing ${c.render.dbSecret.name}`);
    else
      for (const key of c.render.dbSecret.keys as string[])
        if (!(key in (secret.data ?? {})))
          out.push(`db-secret-key ${c.render.dbSecret.name} ${key}`);
  }
  if (c.render.database) {
    const db = c.render.database as Data;
    const ours = rendered.find('StatefulSet', db.name);
    if (!ours) out.push(`database-missing StatefulSet/${db.name}`);
    else {
      const image = podSpec(ours).containers?.[0]?.image;
      if (image !== db.image) out.push(`database-image ${db.image} -> ${image}`);
      const selector = (s: Data | undefined) => JSON.stringify(Object.entries(s ?? {}).sort());
      if (selector(db.selector) !== selector(ours.spec.selector.matchLabels))
        out.push('database-selector');
    }
  }
  if (c.render.agentRole) {
    const role = rendered.find('Role', c.render.agentRole.name);
    if (!role) out.push(`agent-role-missing ${c.render.agentRole.name}`);
    else if (canonical(role.rules) !== canonical(c.render.agentRole.rules))
      out.push('agent-role-rules');
  }
  return out;
}

/** `pattern` is a difference line with `*` for any run of characters. */
export function matches(pattern: string, line: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(line);
}

export interface Deviation {
  pattern: string;
  reason: string;
}

/** The deliberate differences, read from their table in chart/README.md. */
export function deliberateDeviations(readme: string): Deviation[] {
  const block = /<!-- contract-deviations:start -->([\s\S]*?)<!-- contract-deviations:end -->/.exec(
    readme,
  );
  if (!block) throw new Error('chart/README.md has no contract-deviations table');
  return (block[1] as string)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split(' | ');
      const pattern = (cells[0] as string).replace(/^\| `/, '').replace(/`$/, '');
      return { pattern, reason: cells.slice(1).join(' | ').replace(/ \|$/, '').trim() };
    });
}

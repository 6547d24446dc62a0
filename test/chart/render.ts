// Runs the real helm over chart/ and hands the tests plain objects.
// Values go through a temporary file and helm gets an argument array: no shell, no --set parsing.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { HelmUnderTest } from '../support/tools.js';

export const chartDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../chart');
export const RELEASE = 'rel';
export const NAMESPACE = 'prefect-ns';
/**
 * Helm binaries built without the Kubernetes version in their ldflags default to v1.20, below the
 * chart's kubeVersion; the tests name the version of the end-to-end API server instead.
 */
export const KUBE_VERSION = 'v1.33.0';

export type Values = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are free-form; tests read deep paths.
export type K8sObject = Record<string, any>;

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with an argument array; never throws on a non-zero exit. */
export function runHelm(helm: HelmUnderTest, args: string[]): Promise<HelmResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      helm.path,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_DEBUG: '' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolvePromise({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

async function withValuesFile<T>(values: Values, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'chart-values-'));
  try {
    const file = join(dir, 'values.yaml');
    // JSON is YAML, and keeps every type exactly as the test wrote it.
    await writeFile(file, JSON.stringify(values), { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  chart?: string;
  extraArgs?: string[];
}

function templateArgs(file: string, options: TemplateOptions): string[] {
  return [
    'template',
    options.release ?? RELEASE,
    options.chart ?? chartDir,
    '--namespace',
    options.namespace ?? NAMESPACE,
    // '' leaves helm on its own default Kubernetes version.
    ...(options.kubeVersion === '' ? [] : ['--kube-version', options.kubeVersion ?? KUBE_VERSION]),
    '--values',
    file,
    ...(options.extraArgs ?? []),
  ];
}

/** `helm template` whatever the outcome. */
export function templateRaw(
  helm: HelmUnderTest,
  values: Values = {},
  options: TemplateOptions = {},
): Promise<HelmResult> {
  return withValuesFile(values, (file) => runHelm(helm, templateArgs(file, options)));
}

/** `helm template` that must succeed, parsed. */
export async function template(
  helm: HelmUnderTest,
  values: Values = {},
  options: TemplateOptions = {},
): Promise<Rendered> {
  const result = await templateRaw(helm, values, options);
  if (result.code !== 0) {
    throw new Error(
      `${helm.label} template failed (${result.code}) for ${JSON.stringify(values)}:\n${result.stderr}`,
    );
  }
  return new Rendered(result.stdout);
}

/** `helm template` that must fail; returns helm's error output. */
export async function templateError(
  helm: HelmUnderTest,
  values: Values,
  options: TemplateOptions = {},
): Promise<string> {
  const result = await templateRaw(helm, values, options);
  if (result.code === 0) {
    throw new Error(`${helm.label} accepted values it should refuse: ${JSON.stringify(values)}`);
  }
  return result.stderr;
}

/** `helm lint --strict` of the chart with a values set. */
export function lint(helm: HelmUnderTest, values: Values = {}): Promise<HelmResult> {
  return withValuesFile(values, (file) =>
    runHelm(helm, ['lint', '--strict', chartDir, '--values', file]),
  );
}

/**
 * `helm template` of a copy of the chart changed by `edit` (given the copy's directory), for what
 * `helm template` alone cannot show: NOTES.txt, or `lookup` finding an object in the cluster.
 */
export async function templateEditedCopy(
  helm: HelmUnderTest,
  values: Values,
  edit: (chart: string) => Promise<void>,
  options: TemplateOptions = {},
): Promise<Rendered> {
  const dir = await mkdtemp(join(tmpdir(), 'chart-copy-'));
  try {
    const chart = join(dir, 'chart');
    await cp(chartDir, chart, { recursive: true });
    await edit(chart);
    return await template(helm, values, { ...options, chart });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Replaces `from` (which must be there) by `to` in a file of a chart copy. */
export async function replaceInFile(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${from}`);
  await writeFile(file, text.replace(from, to));
}

/**
 * NOTES.txt as helm renders it. `helm template` leaves NOTES.txt out, so in a copy of the chart
 * its NOTES.txt, unchanged, becomes a named template printed into a ConfigMap.
 */
export async function renderNotes(helm: HelmUnderTest, values: Values = {}): Promise<string> {
  const rendered = await templateEditedCopy(
    helm,
    values,
    async (chart) => {
      const notes = await readFile(join(chart, 'templates', 'NOTES.txt'), 'utf8');
      await rm(join(chart, 'templates', 'NOTES.txt'));
      await writeFile(
        join(chart, 'templates', '_zz_test_notes.tpl'),
        `{{- define "test.notes" -}}\n${notes}\n{{- end -}}\n`,
      );
      await writeFile(
        join(chart, 'templates', 'zz-test-notes.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rendered-notes\ndata:\n  notes: {{ include "test.notes" . | toJson }}\n',
      );
    },
    { extraArgs: ['--show-only', 'templates/zz-test-notes.yaml'] },
  );
  return rendered.get('ConfigMap', 'rendered-notes').data.notes as string;
}

export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** The objects of one `helm template` run, with finders. */
export class Rendered {
  readonly objects: K8sObject[];

  constructor(readonly manifest: string) {
    this.objects = parseAllDocuments(manifest)
      .map((doc) => {
        if (doc.errors.length > 0) throw new Error(`helm printed invalid YAML: ${doc.errors[0]}`);
        return doc.toJS() as K8sObject | null;
      })
      .filter((object): object is K8sObject => object !== null && typeof object === 'object');
  }

  all(kind?: string): K8sObject[] {
    return kind ? this.objects.filter((object) => object.kind === kind) : this.objects;
  }

  names(kind: string): string[] {
    return this.all(kind).map((object) => object.metadata.name as string);
  }

  find(kind: string, name: string): K8sObject | undefined {
    return this.all(kind).find((object) => object.metadata?.name === name);
  }

  get(kind: string, name: string): K8sObject {
    const found = this.find(kind, name);
    if (!found) {
      throw new Error(`no ${kind} ${name}; rendered ${kind}s: ${this.names(kind).join(', ')}`);
    }
    return found;
  }

  /** The objects of a kind carrying app.kubernetes.io/component=component. */
  byComponent(kind: string, component: string): K8sObject[] {
    return this.all(kind).filter(
      (object) => object.metadata?.labels?.[COMPONENT_LABEL] === component,
    );
  }

  /** The one object of a kind for a component. */
  component(kind: string, component: string): K8sObject {
    const found = this.byComponent(kind, component);
    if (found.length !== 1) {
      throw new Error(`expected one ${kind} of component ${component}, found ${found.length}`);
    }
    return found[0] as K8sObject;
  }
}

/** Pod spec of a workload (Deployment, StatefulSet, Job, CronJob) or of a Pod. */
export function podSpec(object: K8sObject): K8sObject {
  if (object.kind === 'CronJob') return object.spec.jobTemplate.spec.template.spec;
  return object.kind === 'Pod' ? object.spec : object.spec.template.spec;
}

export function containers(object: K8sObject, { init = true } = {}): K8sObject[] {
  const spec = podSpec(object);
  return [...(init ? (spec.initContainers ?? []) : []), ...(spec.containers ?? [])];
}

export function container(object: K8sObject, name: string): K8sObject {
  const found = containers(object).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no container ${name} in ${object.kind} ${object.metadata.name}`);
  return found;
}

/** Env entries of a container by name. */
export function envOf(containerSpec: K8sObject): Map<string, K8sObject> {
  return new Map((containerSpec.env ?? []).map((entry: K8sObject) => [entry.name, entry]));
}

/** Plain env values (entries with `value`) of a container. */
export function envValues(containerSpec: K8sObject): Record<string, string> {
  const values: Record<string, string> = {};
  for (const entry of containerSpec.env ?? []) {
    if ('value' in entry) values[entry.name] = entry.value;
  }
  return values;
}

/** command + args as one string, for checking what a container runs. */
export function commandLine(containerSpec: K8sObject): string {
  return [...(containerSpec.command ?? []), ...(containerSpec.args ?? [])].join(' ');
}

export function decodeSecret(secret: K8sObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(String(value), 'base64').toString('utf8'),
    ]),
  );
}

/** chart/values.yaml as an object. */
export async function chartValues(): Promise<Values> {
  return parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as Values;
}

/** A small pool so value sets render in parallel without starting hundreds of helms at once. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

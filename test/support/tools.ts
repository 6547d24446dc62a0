// The one place tests learn where helm, kubectl and the control plane binaries are.
// By default they are the builds of scripts/test-tools.mjs (made by `npm test`'s pretest step);
// TEST_HELM3 / TEST_HELM4 / TEST_KUBECTL point the suite at binaries of your own.
import { execFileSync } from 'node:child_process';
import { toolPaths } from '../../scripts/test-tools.mjs';

type BuiltTools = Record<
  string,
  { version: string; dir: string; exists: boolean } & Record<string, string>
>;

export interface HelmUnderTest {
  /** 'helm3' or 'helm4', for test names */
  label: string;
  path: string;
  majorVersion: number;
}

const built = toolPaths() as BuiltTools;

function requireBuilt(tool: string, binary: string): string {
  const entry = built[tool];
  if (!entry?.exists) {
    throw new Error(
      `${tool} is not built yet: run \`npm run test-tools\` (npm test does it for you).`,
    );
  }
  return entry[binary] as string;
}

/** The major version a helm binary reports, so an override pointing at the wrong helm is caught. */
export function helmMajorVersion(path: string): number {
  const out = execFileSync(path, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' });
  const match = out.match(/^v(\d+)\./);
  if (!match) throw new Error(`${path} version printed "${out}", not vN.x.y`);
  return Number(match[1]);
}

/** helm 3 and helm 4, each test that touches helm runs against both. */
export function helms(env: NodeJS.ProcessEnv = process.env): HelmUnderTest[] {
  return [
    { label: 'helm3', path: env.TEST_HELM3 || requireBuilt('helm3', 'helm'), majorVersion: 3 },
    { label: 'helm4', path: env.TEST_HELM4 || requireBuilt('helm4', 'helm'), majorVersion: 4 },
  ];
}

/** kubectl is the machine's own (the product uses the user's kubectl too). */
export function kubectlPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_KUBECTL || 'kubectl';
}

/** Paths of the control plane binaries (etcd, kube-apiserver, ...), for the test cluster. */
export function controlPlaneBinaries(): Record<string, string> {
  return {
    etcd: requireBuilt('etcd', 'etcd'),
    'kube-apiserver': requireBuilt('kube', 'kube-apiserver'),
    'kube-controller-manager': requireBuilt('kube', 'kube-controller-manager'),
    'kube-scheduler': requireBuilt('kube', 'kube-scheduler'),
    kwok: requireBuilt('kwok', 'kwok'),
  };
}

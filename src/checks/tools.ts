// doctor: the programs the CLI drives (helm, kubectl, gpg) and kubectl's distance from the server.

import { UserError } from '../errors.js';
import { locateTool } from '../tools/locate.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import type { FactCheck } from './check-facts.js';
import type { DoctorCheck } from './doctor-check.js';
import { forDoctor } from './doctor-facts.js';

/** The helm version rule, written once: 3.8+ (OCI and the flags we pass) or 4; undefined when fine. */
export function helmVersionProblem(version: string): string | undefined {
  const match = version.match(/^v?(\d+)\.(\d+)/);
  if (!match) return `helm reported the version "${version}", which is not vMAJOR.MINOR`;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major === 4 || (major === 3 && minor >= 8)) return undefined;
  return `helm ${version} is too old: 3.8 or newer, or 4, is needed`;
}

/** Major and minor of a Kubernetes version such as v1.33.1 or v1.32.4-dispatcher. */
export function minorVersion(version: string): { major: number; minor: number } | undefined {
  const match = version.match(/^v?(\d+)\.(\d+)/);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** Kubernetes supports kubectl within one minor version of the API server. */
export function versionSkew(client: string, server: string): CheckResult {
  const [c, s] = [minorVersion(client), minorVersion(server)];
  if (!c || !s) return warn(`cannot compare kubectl ${client} with the server's ${server}`);
  const skew = c.major === s.major ? c.minor - s.minor : Number.POSITIVE_INFINITY;
  if (Math.abs(skew) <= 1)
    return pass(`kubectl ${client} and the API server ${server} are within one minor version`);
  return warn(
    `kubectl ${client} is ${Math.abs(skew)} minor versions ${skew > 0 ? 'newer' : 'older'} than the API server ${server}; only one is supported`,
    `Install kubectl ${s.major}.${s.minor} (https://kubernetes.io/docs/tasks/tools/), or point PREFECT_SERVER_KUBECTL at one.`,
  );
}

const hintOf = (error: unknown) => (error instanceof UserError ? error.hint : undefined);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** helm 3.8+ or 4: doctor's tools-helm, and install's preflight (which has helm already). */
export const helmCheck: FactCheck = {
  id: 'tools-helm',
  category: 'tools',
  title: 'helm 3.8+ or 4 is installed',
  async run(ctx) {
    let version: string;
    try {
      version = (await ctx.helm()).version;
    } catch (error) {
      return fail(messageOf(error), hintOf(error));
    }
    const problem = helmVersionProblem(version);
    return problem
      ? fail(
          problem,
          'Install helm 3.8+ or 4 (https://helm.sh/docs/intro/install/), or point PREFECT_SERVER_HELM at one.',
        )
      : pass(`helm ${version}`);
  },
};

const kubectlCheck: DoctorCheck = {
  id: 'tools-kubectl',
  category: 'tools',
  title: 'kubectl is installed',
  async run(ctx) {
    try {
      const kubectl = await ctx.kubectl();
      const { client } = await ctx.versions();
      return pass(`kubectl ${client ?? '(version unknown)'} at ${kubectl.binary}`);
    } catch (error) {
      return fail(messageOf(error), hintOf(error));
    }
  },
};

const gpgCheck: DoctorCheck = {
  id: 'tools-gpg',
  category: 'tools',
  title: 'gpg is installed (to verify signed charts)',
  async run(ctx) {
    try {
      return pass(`gpg at ${await locateTool('gpg', ctx.options.env)}`);
    } catch (error) {
      // Only `--verify` of a released chart needs it: a warning, not a failure.
      return warn(
        `${messageOf(error)} It is needed only to verify signed charts (--verify).`,
        hintOf(error),
      );
    }
  },
};

const skewCheck: DoctorCheck = {
  id: 'tools-version-skew',
  category: 'tools',
  title: 'kubectl is within one minor version of the cluster',
  async run(ctx) {
    const server = await ctx.reachable();
    const { client } = await ctx.versions();
    if (!client) return warn('kubectl did not report its version');
    return versionSkew(client, server);
  },
};

export const toolChecks: DoctorCheck[] = [forDoctor(helmCheck), kubectlCheck, gpgCheck, skewCheck];

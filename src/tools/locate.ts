import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';

/** The external programs the CLI drives. */
export type ToolName = 'helm' | 'kubectl' | 'gpg';

/**
 * Each tool can be pinned with an environment variable (e.g. PREFECT_SERVER_HELM=/opt/helm4/helm),
 * so a user with several helm versions, and our test suite, choose exactly which binary runs.
 */
export const toolEnvVar: Record<ToolName, string> = {
  helm: 'PREFECT_SERVER_HELM',
  kubectl: 'PREFECT_SERVER_KUBECTL',
  gpg: 'PREFECT_SERVER_GPG',
};

const installHints: Record<ToolName, string> = {
  helm: 'Install helm 3.8+ or 4 (https://helm.sh/docs/intro/install/), or point PREFECT_SERVER_HELM at a helm binary.',
  kubectl:
    'Install kubectl (https://kubernetes.io/docs/tasks/tools/), or point PREFECT_SERVER_KUBECTL at a kubectl binary.',
  gpg: 'Install GnuPG (e.g. `apt-get install gnupg`), or point PREFECT_SERVER_GPG at a gpg binary.',
};

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` in the PATH given, as a shell would (first match wins). */
export async function findOnPath(
  name: string,
  pathVariable: string | undefined,
): Promise<string | undefined> {
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The absolute path of a tool: the override variable when set (it must point at an executable
 * file, so a typo is reported rather than silently falling back to PATH), else the first match on PATH.
 */
export async function locateTool(
  tool: ToolName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const variable = toolEnvVar[tool];
  const override = env[variable];
  if (override !== undefined && override !== '') {
    if (!isAbsolute(override)) {
      throw new UserError(`${variable}=${override} is not an absolute path.`, {
        hint: `Set ${variable} to the full path of the ${tool} binary, or unset it to use ${tool} from PATH.`,
      });
    }
    if (!(await isExecutable(override))) {
      throw new UserError(`${variable} points at ${override}, which is not an executable file.`, {
        hint: `Fix or unset ${variable}.`,
      });
    }
    return override;
  }
  const found = await findOnPath(tool, env.PATH);
  if (found === undefined) {
    throw new UserError(`${tool} was not found on PATH.`, { hint: installHints[tool] });
  }
  return found;
}

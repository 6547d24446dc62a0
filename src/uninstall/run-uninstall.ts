// uninstall: helm uninstall --wait, then say plainly what was kept on purpose (the database
// password Secret and the database volumes) and how a later install reuses it; --delete-data
// removes those too, after a second confirmation that names what will be lost.
import { ExitCode, InputError, UserError } from '../errors.js';
import { findRelease } from '../release/find-release.js';
import {
  componentSelector,
  helmOwner,
  helmOwnerLabel,
  instanceSelector,
} from '../release/labels.js';
import { targetLine } from '../release/release-flags.js';
import { checkReleaseLookup } from '../release/release-ref.js';
import { Helm } from '../tools/helm.js';
import type { KubeList, NamedObject, PersistentVolumeClaim } from '../tools/kube-objects.js';
import { Kubectl } from '../tools/kubectl.js';
import { canPrompt } from '../ui/can-prompt.js';
import { colors, type Output } from '../ui/output.js';

export interface UninstallFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  yes?: boolean;
  deleteData?: boolean;
  timeout?: string;
}

/** What a release leaves behind on purpose: its password Secrets and database volume claims. */
async function keptData(
  kubectl: Kubectl,
  namespace: string,
  release: string,
): Promise<{ secrets: string[]; claims: PersistentVolumeClaim[] }> {
  const selector = ['--namespace', namespace, '--selector', instanceSelector(release)];
  const [secrets, claims] = await Promise.all([
    kubectl.json<KubeList<NamedObject>>(['get', 'secrets', ...selector]),
    kubectl.json<KubeList<PersistentVolumeClaim>>(['get', 'persistentvolumeclaims', ...selector]),
  ]);
  return {
    // helm's own release records are gone with the release; what remains with our label is data.
    secrets: secrets.items
      .filter((s) => s.metadata.labels?.[helmOwnerLabel] !== helmOwner)
      .map((s) => s.metadata.name),
    claims: claims.items,
  };
}

/** The wizard's prompter (its input is trimmed), so no prompt is asked outside wizard/'s adapter. */
async function typed(message: string, expected: string): Promise<boolean> {
  const { Prompter } = await import('../wizard/prompter.js');
  return (await new Prompter().input({ message })) === expected;
}

export async function runUninstall(flags: UninstallFlags, out: Output): Promise<void> {
  checkReleaseLookup(flags);
  const target = { kubeconfig: flags.kubeconfig, context: flags.context };
  const [kubectl, helm] = await Promise.all([Kubectl.create(target), Helm.create(target)]);
  if (!flags.yes && !canPrompt({ yes: false })) {
    throw new InputError(
      'uninstall removes a release; without a terminal to confirm in, pass --yes.',
    );
  }
  const namespace = flags.namespace;
  const releaseName = flags.release;
  // After a plain uninstall, `--delete-data` may be run again to remove what was kept.
  const release = await findRelease(helm, { release: releaseName, namespace }).catch((error) => {
    if (flags.deleteData && releaseName && namespace) return undefined;
    throw error;
  });
  const name = release?.name ?? (releaseName as string);
  const ns = release?.namespace ?? (namespace as string);

  if (
    release &&
    !flags.yes &&
    !(await typed(`Type the release name (${name}) to uninstall it from ${ns}:`, name))
  ) {
    throw new UserError('The name did not match; nothing was removed.', {
      exitCode: ExitCode.badInput,
    });
  }
  if (release) {
    const spinner = await out.spinner(`helm is uninstalling ${name}`);
    await helm.run(
      ['uninstall', name, '--namespace', ns, '--wait', '--timeout', flags.timeout ?? '5m'],
      { timeoutMs: 10 * 60_000 },
    );
    // helm leaves hook resources behind on uninstall: the create-tenant Job would stay, its pod
    // naming the ServiceAccount helm just removed. It is part of the release, so it goes too.
    await kubectl.run(
      [
        'delete',
        'jobs',
        '--namespace',
        ns,
        '--selector',
        `${instanceSelector(name)},${componentSelector('create-tenant')}`,
        '--ignore-not-found',
        '--wait=false',
      ],
      { allowFailure: true },
    );
    spinner.succeed(`Uninstalled ${name} from ${ns}`);
  }

  const kept = await keptData(kubectl, ns, name);
  const claims = kept.claims.map(
    (c) => `${c.metadata.name} (${c.spec?.resources?.requests?.storage ?? '?'})`,
  );
  if (kept.secrets.length === 0 && kept.claims.length === 0) {
    out.line('Nothing was kept: no password Secret and no database volume remain.');
    return;
  }
  if (!flags.deleteData) {
    out.heading('Kept on purpose');
    for (const secret of kept.secrets) out.line(`  Secret ${secret}: the database password`);
    for (const claim of claims) out.line(`  PersistentVolumeClaim ${claim}: the database`);
    out.line(
      `  A new install of release ${name} in ${ns} reuses them, so the kept database still opens.`,
    );
    out.line(
      colors.dim(
        `  To delete them: prefect-server uninstall ${targetLine({ namespace: ns, release: name }, { alwaysRelease: true })} --delete-data`,
      ),
    );
    return;
  }
  const lost = [
    ...kept.secrets.map((s) => `Secret ${s}`),
    ...claims.map((c) => `PersistentVolumeClaim ${c}`),
  ];
  if (
    !flags.yes &&
    !(await typed(
      `This deletes ${lost.join(', ')}: every flow run, log and setting in the database is lost. Type "delete ${name}" to go on:`,
      `delete ${name}`,
    ))
  ) {
    throw new UserError('Not confirmed; the data was kept.', { exitCode: ExitCode.badInput });
  }
  for (const secret of kept.secrets)
    await kubectl.run(['delete', 'secret', secret, '--namespace', ns]);
  for (const claim of kept.claims)
    await kubectl.run([
      'delete',
      'persistentvolumeclaim',
      claim.metadata.name,
      '--namespace',
      ns,
      '--wait=false',
    ]);
  out.line(`${colors.green('✓')} deleted ${lost.join(', ')}`);
}

// completion: the script a shell loads, and the answers it asks for on every Tab. Namespaces and
// releases come from the cluster with a short timeout, so completion never hangs a shell; any
// failure (no kubectl, no cluster) is simply no candidates.
import type { Command } from 'commander';
import { Helm } from '../tools/helm.js';
import { Kubectl } from '../tools/kubectl.js';
import { completeWords, completionScript, type Shell } from './complete.js';

export function runCompletionScript(
  shell: Shell,
  write: (text: string) => void = (text) => process.stdout.write(text),
): void {
  write(completionScript(shell));
}

const names = (out: string) =>
  out
    .split('\n')
    .map((l) => l.trim().replace(/^namespace\//, ''))
    .filter(Boolean);

export async function runComplete(
  program: Command,
  words: string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  const candidates = await completeWords(program, words.length ? words : [''], {
    async namespaces() {
      const kubectl = await Kubectl.create({}).catch(() => undefined);
      const result = await kubectl
        ?.run(['get', 'namespaces', '-o', 'name'], { allowFailure: true, timeoutMs: 2000 })
        .catch(() => undefined);
      return result?.exitCode === 0 ? names(result.stdout) : [];
    },
    async releases(namespace) {
      const helm = await Helm.create({}).catch(() => undefined);
      const args = [
        'list',
        '-q',
        ...(namespace ? ['--namespace', namespace] : ['--all-namespaces']),
      ];
      const result = await helm
        ?.run(args, { allowFailure: true, timeoutMs: 2000 })
        .catch(() => undefined);
      return result?.exitCode === 0 ? names(result.stdout) : [];
    },
  });
  write(candidates.map((c) => `${c}\n`).join(''));
}

import { Argument, type Command } from 'commander';

export function defineCompletion(program: Command): void {
  program
    .command('completion')
    .description(
      'print a shell completion script (commands, flags, and namespaces and releases from the cluster)',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server completion bash > ~/.local/share/bash-completion/completions/prefect-server
  $ prefect-server completion zsh > "\${fpath[1]}/_prefect-server"
  $ prefect-server completion fish > ~/.config/fish/completions/prefect-server.fish`,
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('../completion/complete.js');
      process.stdout.write(completionScript(shell));
    });

  // Called by the scripts above on every Tab; hidden from help.
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const [{ completeWords }, { Kubectl }, { Helm }] = await Promise.all([
        import('../completion/complete.js'),
        import('../tools/kubectl.js'),
        import('../tools/helm.js'),
      ]);
      const names = (out: string) =>
        out
          .split('\n')
          .map((l) => l.trim().replace(/^namespace\//, ''))
          .filter(Boolean);
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
      process.stdout.write(candidates.map((c) => `${c}\n`).join(''));
    });
}

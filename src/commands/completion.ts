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
      const { runCompletionScript } = await import('../completion/run-completion.js');
      runCompletionScript(shell);
    });

  // Called by the scripts above on every Tab; hidden from help.
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const { runComplete } = await import('../completion/run-completion.js');
      await runComplete(program, words);
    });
}

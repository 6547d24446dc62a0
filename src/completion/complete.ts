// Shell completion. The scripts are thin: each shell asks `prefect-server __complete WORDS...`,
// which answers from the commander definitions (commands, flags, choices) and, for namespaces
// and releases, from the cluster with a short timeout, so completion never hangs a shell.
import type { Command, Option } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';

export function completionScript(shell: Shell, name = 'prefect-server'): string {
  const fn = `_${name.replaceAll('-', '_')}_complete`;
  switch (shell) {
    case 'bash':
      return `# ${name} completion for bash. Load it with: source <(${name} completion bash)
${fn}() {
  local IFS=$'\\n'
  COMPREPLY=( $(${name} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F ${fn} ${name}
`;
    case 'zsh':
      return `#compdef ${name}
# ${name} completion for zsh. Load it with: source <(${name} completion zsh)
${fn}() {
  local -a candidates
  candidates=("\${(@f)$(${name} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef ${fn} ${name}
`;
    case 'fish':
      return `# ${name} completion for fish. Load it with: ${name} completion fish | source
complete -c ${name} -f -a "(${name} __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)"
`;
  }
}

export interface ClusterLookups {
  namespaces(): Promise<string[]>;
  releases(namespace: string | undefined): Promise<string[]>;
}

function findCommand(program: Command, words: string[]): Command {
  let command = program;
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word);
    if (sub) command = sub;
  }
  return command;
}

function optionTakesValue(option: Option): boolean {
  return option.required || option.optional;
}

/**
 * Candidates for the last word, given every word after the program name (the last one is the
 * word being completed, possibly empty).
 */
export async function completeWords(
  program: Command,
  words: string[],
  cluster: ClusterLookups,
): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const command = findCommand(program, before);
  const previous = before.at(-1);
  const options = [...command.options, ...program.options];
  const pending = options.find(
    (o) => previous !== undefined && (o.long === previous || o.short === previous),
  );
  let candidates: string[];
  if (pending && optionTakesValue(pending)) {
    if (pending.long === '--namespace') candidates = await cluster.namespaces();
    else if (pending.long === '--release') {
      const nsIndex = before.findIndex((w) => w === '-n' || w === '--namespace');
      candidates = await cluster.releases(nsIndex >= 0 ? before[nsIndex + 1] : undefined);
    } else candidates = pending.argChoices ?? [];
  } else if (current.startsWith('-')) {
    candidates = options.flatMap((o) => [o.long, o.short]).filter((f): f is string => Boolean(f));
  } else {
    candidates = command.commands.filter((c) => !c.name().startsWith('__')).map((c) => c.name());
  }
  return candidates.filter((c) => c.startsWith(current)).sort();
}

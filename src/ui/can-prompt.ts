/** Prompts only when a person is there to answer: a TTY on both ends and no --yes. */
export function canPrompt(options: { yes: boolean }): boolean {
  return !options.yes && Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
}

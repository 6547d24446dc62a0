import { execa } from 'execa';
import { ExitCode, UserError } from '../errors.js';

export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** Sent on standard input: the only way a secret may reach a child process (never argv). */
  input?: string;
  /** Kill the child after this many milliseconds. */
  timeoutMs?: number;
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** What the child gets when `signal` aborts (helm handles SIGINT by stopping cleanly). */
  killSignal?: NodeJS.Signals;
}

/**
 * The reason a tool gives for failing: the last non-empty line of its stderr (helm, kubectl and
 * gpg all end with the summary), with the tool's own prefix taken off when `prefix` is given:
 * helm's `Error: `, kubectl's `error: ` and `Error from server (Forbidden): `. `undefined` when
 * the tool said nothing.
 */
export function stderrReason(stderr: string, prefix?: RegExp): string | undefined {
  const last = stderr.trim().split('\n').filter(Boolean).pop();
  return prefix === undefined ? last : last?.replace(prefix, '');
}

/** The prefixes tools put before their reason, for `stderrReason`. */
export const errorPrefix = {
  /** helm, and the summary line kubectl prints for most refusals */
  helm: /^Error: /,
  /** kubectl's own line and the API server's refusal as kubectl prints it */
  kubectl: /^(error: |Error from server \(\w+\): )/,
} as const;

/** A tool exited non-zero: carries its stderr so the caller can explain it in plain words. */
export class ToolError extends UserError {
  readonly tool: string;
  readonly args: readonly string[];
  readonly stderr: string;
  readonly toolExitCode: number;

  constructor(tool: string, args: readonly string[], result: ToolResult, hint?: string) {
    const reason = stderrReason(result.stderr, errorPrefix.helm) ?? `exit code ${result.exitCode}`;
    super(`${tool} failed: ${reason}`, { hint });
    this.name = 'ToolError';
    this.tool = tool;
    this.args = args;
    this.stderr = result.stderr;
    this.toolExitCode = result.exitCode;
  }
}

/** Observers of every command run (the --debug log): they see argv, which never holds a secret. */
const commandListeners: ((binary: string, args: readonly string[]) => void)[] = [];
export function onToolCommand(listener: (binary: string, args: readonly string[]) => void): void {
  commandListeners.push(listener);
}

/**
 * Runs a tool with an argument array (never through a shell) and collects its output.
 * `name` is how the tool is named in messages ("helm", "kubectl").
 */
export async function runTool(
  name: string,
  binary: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ToolResult> {
  for (const listener of commandListeners) listener(binary, args);
  const child = await execa(binary, args, {
    input: options.input ?? '',
    timeout: options.timeoutMs,
    reject: false,
    env: options.env,
    cancelSignal: options.signal,
    killSignal: options.killSignal ?? 'SIGTERM',
    forceKillAfterDelay: 15_000,
    stripFinalNewline: false,
  });
  if (child.timedOut) {
    throw new UserError(
      `${name} did not answer within ${Math.round((options.timeoutMs ?? 0) / 1000)} s.`,
      {
        hint: `Check that the cluster is reachable: ${name === 'helm' ? 'kubectl cluster-info' : `${name} cluster-info`}`,
      },
    );
  }
  if (child.isCanceled) {
    throw new UserError(`${name} was interrupted.`, { exitCode: ExitCode.interrupted });
  }
  if (child.failed && child.exitCode === undefined) {
    throw new UserError(`${name} could not be started (${binary}): ${child.shortMessage}`);
  }
  const result = {
    stdout: String(child.stdout),
    stderr: String(child.stderr),
    exitCode: child.exitCode ?? 1,
  };
  if (result.exitCode !== 0 && !options.allowFailure) throw new ToolError(name, args, result);
  return result;
}

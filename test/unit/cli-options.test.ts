import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../src/cli.js';
import { notBuiltYet } from '../../src/commands/not-built-yet.js';
import { parsePort } from '../../src/commands/plan-options.js';
import { ExitCode, InputError, UserError } from '../../src/errors.js';

/** Runs main() in-process and returns its exit code and everything it wrote. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'prefect-server', ...args]);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('command tree', () => {
  it('has every command of the product', () => {
    const names = buildProgram()
      .commands.map((c) => c.name())
      .filter((name) => !name.startsWith('__'));
    expect(names).toEqual([
      'install',
      'upgrade',
      'doctor',
      'connect',
      'tenant',
      'values',
      'verify-key',
      'status',
      'uninstall',
      'backup',
      'restore',
      'prune',
      'completion',
    ]);
  });

  it('ends every command’s help with examples, groups (tenant) and subcommands alike', () => {
    const program = buildProgram();
    // Every visible command at every depth: a group's own --help is read too.
    const all = (command: Command): Command[] =>
      command.commands.filter((c) => !c.name().startsWith('__')).flatMap((c) => [c, ...all(c)]);
    const commands = all(program);
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['tenant', 'create', 'list', 'completion']),
    );
    for (const command of commands) {
      let help = '';
      command.configureOutput({ writeOut: (s) => (help += s) });
      command.outputHelp();
      expect(help, command.name()).toMatch(/Examples:\n {2}\$ (npx |prefect-server )/);
    }
  });

  it('prints help and version with exit 0', async () => {
    const help = await run('--help');
    expect(help.code).toBe(ExitCode.ok);
    expect(help.out).toMatch(/install \[options\]/);
    const version = await run('--version');
    expect(version.code).toBe(ExitCode.ok);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('bad input is exit 2', () => {
  it('refuses an unknown flag', async () => {
    const result = await run('install', '--no-such-flag');
    expect(result.code).toBe(ExitCode.badInput);
    expect(result.err).toMatch(/unknown option '--no-such-flag'/);
  });

  it('refuses a value outside the choices, naming them', async () => {
    const result = await run('install', '--expose', 'nodeport');
    expect(result.code).toBe(ExitCode.badInput);
    expect(result.err).toMatch(/port-forward, loadbalancer, ingress/);
  });

  it('refuses a port out of range with the rule it broke', async () => {
    const result = await run('connect', '--api-port', '70000');
    expect(result.code).toBe(ExitCode.badInput);
    expect(result.err).toContain('--api-port must be a whole number from 1 to 65535, got 70000.');
  });

  it('parsePort accepts the whole range and nothing else', () => {
    const parse = parsePort('--p');
    expect(parse('1')).toBe(1);
    expect(parse('65535')).toBe(65535);
    for (const bad of ['0', '65536', '-1', '80.5', '1e3', '', ' 80', 'http']) {
      expect(() => parse(bad), bad).toThrow(InputError);
    }
  });
});

describe('commands not built yet', () => {
  it('say so and exit 1 instead of pretending', () => {
    const error = (() => {
      try {
        notBuiltYet('example');
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect(error?.exitCode).toBe(ExitCode.failure);
    expect(error?.message).toContain("'prefect-server example' is not built yet");
  });
});

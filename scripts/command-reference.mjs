#!/usr/bin/env node
// Writes docs/commands.md from the commander definitions themselves (the built dist/), so the
// reference can never drift from the CLI. `--check` exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Imported by URL rather than by a static specifier so that type-checking this script (lint's
// tsconfig.tests.json) takes the types from src/cli.ts and does not pull the bundle into the check.
/** @type {typeof import('../src/cli.js')} */
const { buildProgram } = await import(new URL('../dist/cli.js', import.meta.url).href);

const target = join(dirname(dirname(fileURLToPath(import.meta.url))), 'docs', 'commands.md');

/** @param {import('commander').Command} command */
function helpOf(command) {
  let text = '';
  // A fixed width keeps the file the same whatever terminal runs the script.
  command.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 100 });
  command.outputHelp();
  return text.trimEnd();
}

function render() {
  const program = buildProgram();
  const sections = [
    '# Command reference',
    '',
    'Generated from the CLI by `node scripts/command-reference.mjs`; do not edit by hand.',
    '',
    '## prefect-server',
    '',
    '```text',
    helpOf(program),
    '```',
  ];
  /** @type {(command: import('commander').Command, path: string) => void} */
  const walk = (command, path) => {
    for (const sub of command.commands) {
      if (sub.name().startsWith('__')) continue;
      const name = `${path} ${sub.name()}`;
      sections.push('', `## ${name}`, '', '```text', helpOf(sub), '```');
      walk(sub, name);
    }
  };
  walk(program, 'prefect-server');
  return `${sections.join('\n')}\n`;
}

const text = render();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    process.stderr.write(
      'docs/commands.md is stale: run `npm run build && node scripts/command-reference.mjs`\n',
    );
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, text);
  process.stderr.write(`wrote ${target}\n`);
}

#!/usr/bin/env node
// `npx prefect-server-install [flags]` is `prefect-server install [flags]`: the wizard.
import { main } from '../dist/cli.js';

const [node, script, ...rest] = process.argv;
const wantsTopLevel = rest.includes('--version') || rest.includes('-V');
process.exitCode = await main(
  wantsTopLevel ? [node, script, ...rest] : [node, script, 'install', ...rest],
);

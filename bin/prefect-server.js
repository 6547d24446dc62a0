#!/usr/bin/env node
// The command family: install, upgrade, doctor, connect, tenant, values, verify-key, status, uninstall.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);

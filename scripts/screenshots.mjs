#!/usr/bin/env node
// Makes the README's pictures from the real CLI running in a real terminal (tmux), against the
// local test control plane: the wizard, the install's progress and result, and a doctor run with
// failures and their hints. Each tmux screen is rendered to an SVG in docs/.
//
//   node scripts/screenshots.mjs            (needs the test tools: npm run test-tools)

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, up } from './cluster.mjs';
import { toolPaths } from './test-tools.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const session = `shots-${process.pid}`;
const tmux = (/** @type {string[]} */ ...args) => execFileSync('tmux', args, { encoding: 'utf8' });
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

function screen() {
  return tmux('capture-pane', '-p', '-t', session).replace(/\s+$/, '');
}

/** @param {string} text */
async function waitFor(text, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (screen().includes(text)) return;
    await sleep(200);
  }
  throw new Error(`the terminal never showed "${text}":\n${screen()}`);
}

/**
 * @param {string} question
 * @param {string[]} keys
 */
async function answer(question, keys) {
  await waitFor(question);
  for (const key of keys) tmux('send-keys', '-t', session, key);
  await sleep(300);
}

/**
 * A fresh tmux session (110x46) running `command` in the repo; it stays open afterwards to be captured.
 * @param {string} env
 * @param {string} command
 */
function runInTerminal(env, command) {
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '110',
    '-y',
    '46',
    `bash -c 'cd ${repo} && env ${env} ${command}; sleep 600'`,
  );
}

const escapeXml = (/** @type {string} */ text) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * A terminal screen as an SVG: one <text> line per row, monospace, dark background.
 * @param {string} text
 * @param {string} title
 */
function toSvg(text, title) {
  const lines = text.split('\n');
  const width = Math.max(60, ...lines.map((l) => l.length)) * 8.4 + 32;
  const height = lines.length * 18 + 56;
  const rows = lines
    .map(
      (line, i) =>
        `  <text x="16" y="${44 + i * 18}" xml:space="preserve">${escapeXml(line)}</text>`,
    )
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(width)}" height="${height}" viewBox="0 0 ${Math.round(width)} ${height}">
  <title>${escapeXml(title)}</title>
  <rect width="100%" height="100%" rx="8" fill="#1e1e2e"/>
  <circle cx="18" cy="14" r="5" fill="#f38ba8"/><circle cx="34" cy="14" r="5" fill="#f9e2af"/><circle cx="50" cy="14" r="5" fill="#a6e3a1"/>
  <g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" fill="#cdd6f4">
${rows}
  </g>
</svg>
`;
}

/**
 * @param {string} name
 * @param {string} title
 */
function save(name, title) {
  writeFileSync(join(repo, 'docs', name), toSvg(screen(), title));
  process.stderr.write(`wrote docs/${name}\n`);
}

async function main() {
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
  const tools = toolPaths();
  const cluster = await up({ log: () => {} });
  const env = `KUBECONFIG=${cluster.kubeconfig} PREFECT_SERVER_HELM=${tools.helm4.helm} PATH=${process.env.PATH}`;
  try {
    runInTerminal(env, `node bin/prefect-server-install.js`);
    await answer('Namespace to install into', ['C-u', 'prefect', 'Enter']);
    await answer('Create it?', ['Enter']);
    await answer('Release name', ['Enter']);
    await answer('Chart', ['Enter']);
    await answer('Database', ['Enter']);
    await answer('persistent volume?', ['Enter']);
    await answer('Database volume size', ['Enter']);
    await answer('StorageClass of the database volume', ['Enter']);
    await answer('Deploy the Prefect Kubernetes agent?', ['y', 'Enter']);
    await answer('Prefect labels of the agent', ['k8s', 'Enter']);
    await answer('Set CPU/memory for flow-run jobs?', ['Enter']);
    await answer('How will you reach the UI and the API?', ['Enter']);
    await answer("Use the chart's image versions", ['Enter']);
    await answer('Create a tenant at install?', ['Enter']);
    await answer('Tenant name', ['Enter']);
    await answer('Tenant slug', ['Enter']);
    await answer('Image pull Secrets', ['Enter']);
    await waitFor('Install prefect-server into prefect?');
    save('wizard.svg', 'npx prefect-server-install: the wizard and its plan');
    // Leave the wizard at its confirmation (nothing changed), and show the same install run with
    // flags in a terminal of its own.
    tmux('send-keys', '-t', session, 'C-c');
    await sleep(500);
    tmux('kill-session', '-t', session);
    const flags = '-n prefect --create-namespace --db-persistence --agent --agent-labels k8s --yes';
    runInTerminal(env, `node bin/prefect-server.js install ${flags}`);
    await waitFor('Prefect Server is installed', 300_000);
    save('install.svg', 'the install: preflight, progress, next steps');

    // A pod that cannot pull its image, for doctor to find.
    execFileSync('kubectl', [
      '--kubeconfig',
      cluster.kubeconfig,
      '-n',
      'prefect',
      'patch',
      'deployment',
      'prefect-server-ui',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        spec: {
          template: {
            metadata: { labels: { 'test.prefect-server-install/state': 'ImagePullBackOff' } },
          },
        },
      }),
    ]);
    await sleep(3000);
    tmux('kill-session', '-t', session);
    runInTerminal(
      env,
      `node bin/prefect-server.js doctor -n prefect --category workloads,release,agent`,
    );
    await waitFor('Status:', 120_000);
    await sleep(1000);
    save('doctor.svg', 'prefect-server doctor: a failure and its hint');
  } finally {
    try {
      tmux('kill-session', '-t', session);
    } catch {}
    await down(cluster.dir);
  }
}

main().catch((error) => {
  process.stderr.write(`screenshots: ${error.message}\n`);
  process.exitCode = 1;
});

#!/usr/bin/env node
// Builds the programs the test suite drives (helm 3, helm 4, etcd, the Kubernetes control plane,
// kwok) from Go modules, into a cache outside the repo, and tells the tests where they are.
//
//   node scripts/test-tools.mjs install   build what is missing (a warm cache makes this instant)
//   node scripts/test-tools.mjs paths     print the binaries' paths as JSON
//
// Each tool is a tiny Go module under scripts/tools/<name>/ whose go.mod pins one version (and,
// for Kubernetes, replaces its staging modules with their published twins). The cache key is the
// tool name, its version and a hash of go.mod + go.sum, so a version bump builds afresh and an old
// build is never reused by mistake. Nothing is downloaded except through the Go module proxy.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Where builds are kept: $PREFECT_SERVER_TOOLS_CACHE, else the XDG cache directory. */
export function toolsCacheDir(env = process.env) {
  if (env.PREFECT_SERVER_TOOLS_CACHE) return env.PREFECT_SERVER_TOOLS_CACHE;
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'prefect-server-install', 'tools');
}

/**
 * The component-base variables that make a `go build` of Kubernetes report its real version.
 * @param {string} version
 */
function kubeVersionFlags(version) {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const pkg = 'k8s.io/component-base/version';
  return [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ];
}

/**
 * @typedef {object} Tool
 * @property {string} module
 * @property {string[]} packages
 * @property {readonly string[]} binaries
 * @property {string} [outputName]
 * @property {(version: string) => string[]} versionFlags
 * @property {(staging: string, moduleDir: string) => void} [afterBuild]
 */

/**
 * The tools, each with the module whose version it is, the packages to build and the binaries
 * they produce. `versionFlags` stamp the version the tool reports (a plain `go build` leaves it blank,
 * and helm's chart `kubeVersion` checks and our doctor read it). Each `binaries` list is `const`
 * so that `toolPaths()` is typed with the binaries each tool has.
 * @satisfies {Record<string, Tool>}
 */
export const tools = {
  helm3: {
    module: 'helm.sh/helm/v3',
    packages: ['helm.sh/helm/v3/cmd/helm'],
    binaries: /** @type {const} */ (['helm']),
    // helm 3 takes the Kubernetes version `helm template` assumes from ldflags (helm's Makefile
    // derives it from client-go); without them it assumes v1.20 and refuses charts needing newer.
    versionFlags: (v) => {
      const [minor] = requiredVersion('helm3', 'k8s.io/client-go').replace(/^v0\./, '').split('.');
      return [
        `-X helm.sh/helm/v3/internal/version.version=${v}`,
        ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [
          `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`,
          `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor}`,
        ]),
      ];
    },
  },
  helm4: {
    module: 'helm.sh/helm/v4',
    packages: ['helm.sh/helm/v4/cmd/helm'],
    binaries: /** @type {const} */ (['helm']),
    versionFlags: (v) => [`-X helm.sh/helm/v4/internal/version.version=${v}`],
  },
  etcd: {
    module: 'go.etcd.io/etcd/server/v3',
    packages: ['go.etcd.io/etcd/server/v3'],
    binaries: /** @type {const} */ (['etcd']),
    // the server module's main package builds a binary named after its directory ("v3")
    outputName: 'etcd',
    versionFlags: () => [],
  },
  kube: {
    module: 'k8s.io/kubernetes',
    packages: [
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ],
    binaries: /** @type {const} */ ([
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
    ]),
    versionFlags: kubeVersionFlags,
  },
  'kube-score': {
    module: 'github.com/zegl/kube-score',
    packages: ['github.com/zegl/kube-score/cmd/kube-score'],
    binaries: /** @type {const} */ (['kube-score']),
    versionFlags: (v) => [`-X main.version=${v}`],
  },
  kwok: {
    module: 'sigs.k8s.io/kwok',
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
    binaries: /** @type {const} */ (['kwok']),
    versionFlags: (v) => [`-X sigs.k8s.io/kwok/pkg/consts.Version=${v.replace(/^v/, '')}`],
    // The CRDs of the kwok objects the tests create (port forwards to a local process, fake logs),
    // taken from the same module version the binary is built from.
    afterBuild: (staging, moduleDir) => {
      const source = execFileSync(
        'go',
        ['list', '-mod=mod', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'],
        {
          cwd: moduleDir,
          encoding: 'utf8',
        },
      ).trim();
      mkdirSync(join(staging, 'crds'));
      for (const kind of ['portforwards', 'clusterportforwards', 'logs', 'clusterlogs']) {
        copyFileSync(
          join(source, 'kustomize', 'crd', 'bases', `kwok.x-k8s.io_${kind}.yaml`),
          join(staging, 'crds', `${kind}.yaml`),
        );
      }
    },
  },
};

/** @typedef {keyof typeof tools} ToolName */
/** @typedef {{ version: string, dir: string, exists: boolean }} BuiltTool */
/**
 * Where each tool's build is, keyed by tool then binary name.
 * @typedef {{ [N in ToolName]: BuiltTool & Record<(typeof tools)[N]['binaries'][number], string> }} ToolPaths
 */

/** @param {string} name */
function toolModuleDir(name) {
  return join(repoRoot, 'scripts', 'tools', name);
}

/**
 * The version of `module` that the tool's go.mod requires.
 * @param {string} name
 * @param {string} module
 * @returns {string}
 */
function requiredVersion(name, module) {
  const goMod = readFileSync(join(toolModuleDir(name), 'go.mod'), 'utf8');
  const match = goMod.match(new RegExp(`^\\s*${module.replaceAll('.', '\\.')} (v[^\\s]+)`, 'm'));
  if (!match) throw new Error(`scripts/tools/${name}/go.mod does not require ${module}`);
  return /** @type {string} */ (match[1]);
}

/**
 * The version go.mod pins for the tool's main module.
 * @param {ToolName} name
 */
export function pinnedVersion(name) {
  return requiredVersion(name, tools[name].module);
}

/** @param {ToolName} name */
function ldflags(name) {
  return ['-s', '-w', ...tools[name].versionFlags(pinnedVersion(name))].join(' ');
}

/**
 * @param {ToolName} name
 * @param {NodeJS.ProcessEnv} env
 */
function buildDir(name, env) {
  const dir = toolModuleDir(name);
  const hash = createHash('sha256')
    .update(readFileSync(join(dir, 'go.mod')))
    .update(readFileSync(join(dir, 'go.sum')))
    .update(ldflags(name))
    .digest('hex')
    .slice(0, 12);
  return join(toolsCacheDir(env), `${name}-${pinnedVersion(name)}-${hash}`);
}

/**
 * Absolute paths of every binary, keyed by tool then binary name; `exists` tells if built.
 * @returns {ToolPaths}
 */
export function toolPaths(env = process.env) {
  /** @type {Record<string, BuiltTool & Record<string, string | boolean>>} */
  const result = {};
  for (const name of toolNames()) {
    const dir = buildDir(name, env);
    /** @type {BuiltTool & Record<string, string | boolean>} */
    const entry = {
      version: pinnedVersion(name),
      dir,
      exists: existsSync(join(dir, '.complete')),
    };
    result[name] = entry;
    for (const binary of tools[name].binaries) entry[binary] = join(dir, binary);
  }
  return /** @type {ToolPaths} */ (/** @type {unknown} */ (result));
}

/** @returns {ToolName[]} */
function toolNames() {
  return /** @type {ToolName[]} */ (Object.keys(tools));
}

/**
 * Builds of other versions of a tool are dead weight once a go.mod change made a new one.
 * @param {string} name
 * @param {string} target
 */
function pruneStale(name, target) {
  for (const entry of readdirSync(dirname(target))) {
    const path = join(dirname(target), entry);
    if (entry.startsWith(`${name}-v`) && path !== target && !entry.includes('.building-')) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/**
 * @param {ToolName} name
 * @param {NodeJS.ProcessEnv} env
 */
function build(name, env) {
  /** @type {Tool} */
  const tool = tools[name];
  const target = buildDir(name, env);
  if (existsSync(join(target, '.complete'))) {
    pruneStale(name, target);
    return { name, cached: true, seconds: 0 };
  }
  const version = pinnedVersion(name);
  const staging = `${target}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const started = Date.now();
  process.stderr.write(`test-tools: building ${name} ${version} (first run only) ...\n`);
  const output = tool.outputName ? join(staging, tool.outputName) : `${staging}/`;
  const result = spawnSync(
    'go',
    ['build', '-trimpath', '-ldflags', ldflags(name), '-o', output, ...tool.packages],
    {
      cwd: toolModuleDir(name),
      // -mod=mod lets go resolve from go.sum without a vendor dir; the module cache makes re-builds cheap.
      env: { ...env, GOFLAGS: `${env.GOFLAGS ?? ''} -mod=mod`.trim(), CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `go build of ${name} ${version} failed (exit ${result.status}); see the output above.`,
    );
  }
  tool.afterBuild?.(staging, toolModuleDir(name));
  execFileSync('touch', [join(staging, '.complete')]);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(staging, target);
  pruneStale(name, target);
  return { name, cached: false, seconds: Math.round((Date.now() - started) / 1000) };
}

/** The tools the machine must already have: we never download them. */
function checkMachineTools() {
  /** @type {[string, string[]][]} */
  const needed = [
    ['go', ['version']],
    ['kubectl', ['version', '--client']],
    ['gpg', ['--version']],
  ];
  for (const [program, args] of needed) {
    const result = spawnSync(program, args, { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new Error(`${program} is needed by the test suite and was not found on PATH.`);
    }
  }
}

export function installAll(env = process.env) {
  checkMachineTools();
  const results = toolNames().map((name) => build(name, env));
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const verb = process.argv[2] ?? 'install';
  if (verb === 'install') {
    const started = Date.now();
    const results = installAll();
    const built = results.filter((r) => !r.cached);
    const summary = built.length
      ? built.map((r) => `${r.name} ${r.seconds}s`).join(', ')
      : 'all cached';
    process.stderr.write(
      `test-tools: ready in ${Math.round((Date.now() - started) / 1000)}s (${summary}); cache: ${toolsCacheDir()}\n`,
    );
  } else if (verb === 'paths') {
    process.stdout.write(`${JSON.stringify(toolPaths(), null, 2)}\n`);
  } else {
    process.stderr.write('usage: test-tools.mjs install|paths\n');
    process.exitCode = 2;
  }
}

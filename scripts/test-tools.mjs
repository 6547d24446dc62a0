#!/usr/bin/env node
// Builds the programs the test suite drives (helm 3, helm 4, etcd, the Kubernetes control plane,
// kwok) from Go modules, into a cache outside the repo, and tells the tests where they are.
//
//   node scripts/test-tools.mjs install   build what is missing (a warm cache makes this instant)
//   node scripts/test-tools.mjs paths     print the binaries' paths as JSON
//
// Each tool is a tiny Go module under scripts/tools/<name>/ whose go.mod pins one version (and,
// for Kubernetes, replaces its staging modules with their published twins). The cache key is the
// tool name, its version and a hash of go.mod + go.sum (and of a tool's source `patch`, if any),
// so a version bump builds afresh and an old build is never reused by mistake. Nothing is downloaded except through the Go module proxy.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
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
 * @property {(dir: string) => boolean} [complete] a cached build lacks nothing afterBuild makes
 * @property {SourcePatch} [patch] one fix to the module's source, built instead of the original
 */

/**
 * A one-line fix to a tool's source that the tests depend on; the build copies the module,
 * replaces `find` by `replace` in `file` (failing if `find` is not there exactly once) and builds
 * the copy through a go.mod `replace`. It is part of the cache key.
 * @typedef {{ why: string, file: string, find: string, replace: string }} SourcePatch
 */

/** The kwok kinds whose CRDs the test cluster applies. */
const kwokCrdKinds = [
  'portforwards',
  'clusterportforwards',
  'logs',
  'clusterlogs',
  'execs',
  'clusterexecs',
];

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
    complete: (dir) => kwokCrdKinds.every((kind) => existsSync(join(dir, 'crds', `${kind}.yaml`))),
    // A kubelet closes an exec'd command's stdin when the client's stdin ends
    // (kubernetes/kubernetes#13322: `echo foo | kubectl exec -i POD -- cat` must return). kwok
    // v0.7.0 copies the stream into cmd.StdinPipe() and never closes it, so every command that
    // reads stdin to its end (cat, psql < file, pg_restore from stdin) waits forever.
    patch: {
      why: 'close an exec command stdin at the end of the client stream, as the kubelet does',
      file: 'pkg/utils/exec/exec.go',
      find: '\t\t\t\t_, _ = io.Copy(inPipe, opt.In)\n',
      replace: '\t\t\t\t_, _ = io.Copy(inPipe, opt.In)\n\t\t\t\t_ = inPipe.Close()\n',
    },
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
    binaries: /** @type {const} */ (['kwok']),
    versionFlags: (v) => [`-X sigs.k8s.io/kwok/pkg/consts.Version=${v.replace(/^v/, '')}`],
    // The CRDs of the kwok objects the tests create (port forwards to a local process, fake logs,
    // exec routed to a local command), taken from the same module version the binary is built
    // from. A build cached before a kind was added gets the missing file copied (see `build`).
    afterBuild: (staging, moduleDir) => {
      const source = execFileSync(
        'go',
        ['list', '-mod=mod', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'],
        {
          cwd: moduleDir,
          encoding: 'utf8',
        },
      ).trim();
      mkdirSync(join(staging, 'crds'), { recursive: true });
      for (const kind of kwokCrdKinds) {
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
 * A patched tool's builds are kept apart from the original's; an unpatched tool's key is as before.
 * @param {ToolName} name
 */
function patchKey(name) {
  const { patch } = /** @type {Tool} */ (tools[name]);
  return patch ? JSON.stringify(patch) : '';
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
    .update(patchKey(name))
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
    if (tool.complete && !tool.complete(target)) tool.afterBuild?.(target, toolModuleDir(name));
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
  const moduleDir = tool.patch
    ? patchedModule(name, tool.module, tool.patch, staging)
    : toolModuleDir(name);
  const result = spawnSync(
    'go',
    ['build', '-trimpath', '-ldflags', ldflags(name), '-o', output, ...tool.packages],
    {
      cwd: moduleDir,
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
  rmSync(join(staging, 'source'), { recursive: true, force: true });
  execFileSync('touch', [join(staging, '.complete')]);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(staging, target);
  pruneStale(name, target);
  return { name, cached: false, seconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * Copies the tool's module and the pinned version of `module` into `staging/source`, applies the
 * patch to the copy of `module`, and points the copy of the tool's go.mod at it.
 * @param {string} name
 * @param {string} module
 * @param {SourcePatch} patch
 * @param {string} staging
 * @returns {string} the module directory to build in
 */
function patchedModule(name, module, patch, staging) {
  // `go mod download` fetches the pinned version's source (through the module proxy) if the
  // module cache lacks it, and says where it is
  const downloaded = execFileSync('go', ['mod', 'download', '-json', module], {
    cwd: toolModuleDir(name),
    encoding: 'utf8',
  });
  const original = /** @type {{ Dir: string }} */ (JSON.parse(downloaded)).Dir;
  const source = join(staging, 'source', 'module');
  const tool = join(staging, 'source', 'tool');
  cpSync(original, source, { recursive: true });
  // the module cache is read-only; the copy must be writable to be patched and removed
  execFileSync('chmod', ['-R', 'u+w', source]);
  const file = join(source, patch.file);
  const text = readFileSync(file, 'utf8');
  if (text.split(patch.find).length !== 2) {
    throw new Error(`${name}: the patch (${patch.why}) does not match ${patch.file} exactly once`);
  }
  writeFileSync(file, text.replace(patch.find, patch.replace));
  mkdirSync(tool, { recursive: true });
  for (const entry of readdirSync(toolModuleDir(name))) {
    cpSync(join(toolModuleDir(name), entry), join(tool, entry), { recursive: true });
  }
  execFileSync('go', ['mod', 'edit', `-replace=${module}=${source}`], { cwd: tool });
  return tool;
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

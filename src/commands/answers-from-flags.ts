import { InputError } from '../errors.js';
import type {
  ChartSource,
  DatabaseMode,
  ExposureMode,
  InstallAnswers,
} from '../plan/install-plan.js';
import { SecretValue } from '../plan/secret-value.js';

/** The options commander parsed from addClusterOptions + addPlanOptions. */
export interface PlanFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  createNamespace?: boolean;
  chartSource?: ChartSource;
  chartVersion?: string;
  repoUrl?: string;
  verify?: boolean;
  keyring?: string;
  signingKey?: string;
  database?: DatabaseMode;
  dbPersistence?: boolean;
  dbSize?: string;
  dbStorageClass?: string;
  dbHost?: string;
  dbPort?: number;
  dbName?: string;
  dbUser?: string;
  dbExistingSecret?: string;
  dbPasswordStdin?: boolean;
  agent?: boolean;
  agentLabels?: string;
  jobCpuRequest?: string;
  jobCpuLimit?: string;
  jobMemoryRequest?: string;
  jobMemoryLimit?: string;
  expose?: ExposureMode;
  ingressClass?: string;
  apiHost?: string;
  uiHost?: string;
  tlsSecret?: string;
  apiUrl?: string;
  serverTag?: string;
  prefectTag?: string;
  uiTag?: string;
  tenant?: boolean;
  tenantName?: string;
  tenantSlug?: string;
  imagePullSecret?: string[];
  values?: string[];
  set?: string[];
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Flags -> answers. The password comes only from standard input (`--db-password-stdin`), read
 * whole, with one trailing newline removed as `echo` or a file adds it.
 */
export async function answersFromFlags(
  flags: PlanFlags,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<InstallAnswers> {
  let dbPassword: SecretValue | undefined;
  if (flags.dbPasswordStdin) {
    if (stdin.isTTY) {
      throw new InputError(
        '--db-password-stdin reads the password from standard input, which is a terminal here.',
        'Pipe it in: prefect-server install ... --db-password-stdin < password-file',
      );
    }
    const text = (await readStdin(stdin)).replace(/\r?\n$/, '');
    if (text === '') throw new InputError('--db-password-stdin: standard input was empty.');
    dbPassword = new SecretValue(text);
  }
  const list = (value: string | undefined) =>
    value === undefined
      ? undefined
      : value
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean);
  return {
    context: flags.context,
    kubeconfig: flags.kubeconfig,
    namespace: flags.namespace,
    createNamespace: flags.createNamespace,
    release: flags.release,
    chartSource: flags.chartSource,
    chartVersion: flags.chartVersion,
    repoUrl: flags.repoUrl,
    verify: flags.verify,
    keyring: flags.keyring,
    signingKey: flags.signingKey,
    database: flags.database,
    dbPersistence: flags.dbPersistence,
    dbSize: flags.dbSize,
    dbStorageClass: flags.dbStorageClass,
    dbHost: flags.dbHost,
    dbPort: flags.dbPort,
    dbName: flags.dbName,
    dbUser: flags.dbUser,
    dbExistingSecret: flags.dbExistingSecret,
    dbPassword,
    agent: flags.agent,
    agentLabels: list(flags.agentLabels),
    jobCpuRequest: flags.jobCpuRequest,
    jobCpuLimit: flags.jobCpuLimit,
    jobMemoryRequest: flags.jobMemoryRequest,
    jobMemoryLimit: flags.jobMemoryLimit,
    expose: flags.expose,
    ingressClass: flags.ingressClass,
    apiHost: flags.apiHost,
    uiHost: flags.uiHost,
    tlsSecret: flags.tlsSecret,
    apiUrl: flags.apiUrl,
    serverTag: flags.serverTag,
    prefectTag: flags.prefectTag,
    uiTag: flags.uiTag,
    tenant: flags.tenant,
    tenantName: flags.tenantName,
    tenantSlug: flags.tenantSlug,
    imagePullSecrets: flags.imagePullSecret,
    valuesFiles: flags.values,
    set: flags.set,
  };
}

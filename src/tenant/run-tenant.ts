// tenant create | list: input checked before any request, the API reached through --api-url or a
// temporary port-forward, failures retried inside a budget and reported in the server's words.

import { InputError, UserError } from '../errors.js';
import { formatDuration } from '../plan/duration.js';
import * as rules from '../plan/rules.js';
import { describeApiError, GraphqlErrors, PrefectApi } from '../prefect/api-client.js';
import type { Tenant } from '../prefect/graphql.js';
import { withApiAccess } from '../release/api-access.js';
import { commandLine, targetFlags } from '../release/release-flags.js';
import {
  checkReleaseLookup,
  defaultRelease,
  installDefaults,
  type ReleaseLookup,
} from '../release/release-ref.js';
import type { ClusterRef } from '../release/ui-api-check.js';
import { setInterruptNotice } from '../ui/interrupt.js';
import { colors, type Output } from '../ui/output.js';

export interface ApiTarget {
  /** -n and --release as given (release/release-ref.ts reads them when a port-forward is needed). */
  lookup: ReleaseLookup;
  apiUrl: string | undefined;
  /** How long to keep retrying an API that does not answer or answers 5xx. */
  timeoutMs: number;
}

function check(flag: string, value: string | undefined, rule: rules.Rule): void {
  if (value === undefined) return;
  const problem = rule(value);
  if (problem !== undefined) throw new InputError(`${flag}: ${problem}`);
}

/** Everything a flag can get wrong, refused before a request or a forward (exit 2). */
export function checkApiTarget(target: ApiTarget): void {
  checkReleaseLookup(target.lookup);
  check('--api-url', target.apiUrl, rules.httpUrl);
}

/** The release behind the API: none is looked up when --api-url names the API itself. */
function releaseOf(target: ApiTarget): Promise<ClusterRef> {
  return target.apiUrl === undefined
    ? defaultRelease(target.lookup)
    : Promise.resolve(installDefaults(target.lookup));
}

export function checkTenant(name: string, slug: string): void {
  check('--slug', slug, rules.tenantSlug);
  check('--name', name, rules.tenantName);
}

function apiFailure(action: string, via: string, hint: string, error: unknown): UserError {
  if (error instanceof GraphqlErrors) {
    return new UserError(`The Prefect API refused to ${action}: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof UserError) return error;
  return new UserError(
    `Could not ${action}: the Prefect API at ${via} ${describeApiError(error)}.`,
    {
      hint,
      cause: error,
    },
  );
}

export async function runTenantCreate(
  target: ApiTarget,
  tenant: { name: string; slug: string },
  out: Output,
): Promise<void> {
  checkApiTarget(target);
  checkTenant(tenant.name, tenant.slug);
  const ref = await releaseOf(target);
  const interrupted = `Interrupted; tenant ${tenant.slug} may or may not exist now: prefect-server tenant list ${commandLine(targetFlags(ref))}`;
  setInterruptNotice(interrupted);
  await withApiAccess(
    target.apiUrl,
    ref,
    target.timeoutMs,
    async (access) => {
      const spinner = await out.spinner(`Creating tenant ${tenant.slug}`);
      const api = new PrefectApi(access.apiUrl, {
        budgetMs: target.timeoutMs,
        signal: access.signal,
        onRetry: (error, delay) =>
          spinner.update(
            `Creating tenant ${tenant.slug}: the API ${describeApiError(error)}; trying again in ${formatDuration(delay)}`,
          ),
      });
      try {
        const result = await api.createTenant(tenant.name, tenant.slug);
        if (result.created) {
          spinner.succeed(`Created tenant ${tenant.name} (slug ${tenant.slug}, id ${result.id})`);
        } else {
          spinner.succeed(`Tenant ${tenant.slug} already exists; nothing to do`);
        }
      } catch (error) {
        spinner.fail(`Tenant ${tenant.slug} was not created`);
        throw apiFailure(`create tenant ${tenant.slug}`, access.via, access.hint, error);
      }
    },
    interrupted,
  );
}

export function tenantTable(tenants: readonly Tenant[]): string[] {
  const rows = [['NAME', 'SLUG', 'ID'], ...tenants.map((t) => [t.name, t.slug, t.id])];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
}

export async function runTenantList(
  target: ApiTarget,
  format: 'text' | 'json',
  out: Output,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  checkApiTarget(target);
  const ref = await releaseOf(target);
  const tenants = await withApiAccess(target.apiUrl, ref, target.timeoutMs, async (access) => {
    const api = new PrefectApi(access.apiUrl, {
      budgetMs: target.timeoutMs,
      signal: access.signal,
      onRetry: (error, delay) =>
        out.warn(`The API ${describeApiError(error)}; trying again in ${formatDuration(delay)}`),
    });
    try {
      return await api.listTenants();
    } catch (error) {
      throw apiFailure('list tenants', access.via, access.hint, error);
    }
  });
  if (format === 'json') {
    write(`${JSON.stringify(tenants, null, 2)}\n`);
    return;
  }
  if (tenants.length === 0) {
    out.line('No tenants yet: the UI dashboard stays blank until one exists.');
    out.line(colors.dim(`Create one: prefect-server tenant create -n ${ref.namespace}`));
    return;
  }
  for (const line of tenantTable(tenants)) out.line(line);
}

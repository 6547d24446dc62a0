// What helm records of a release, read with the real helm: its revisions and its user-supplied
// values, and the database password Secret. The upgrade tests compare these before and after a change.
import { helm, kubectlJson } from './cluster.js';

export interface Revision {
  revision: number;
  status: string;
  chart: string;
}

/** `helm history` of a release, oldest first. */
export async function releaseHistory(
  helmPath: string,
  ns: string,
  release = 'prefect-server',
): Promise<Revision[]> {
  const result = await helm(helmPath, ['history', release, '-n', ns, '-o', 'json']);
  return JSON.parse(String(result.stdout)) as Revision[];
}

/** The newest revision's number and status. */
export async function lastRevision(
  helmPath: string,
  ns: string,
): Promise<{ number: number; status: string }> {
  const last = (await releaseHistory(helmPath, ns)).at(-1);
  return { number: last?.revision ?? 0, status: last?.status ?? 'none' };
}

/** `helm get values` (user-supplied values) of the current or a given revision. */
// biome-ignore lint/suspicious/noExplicitAny: the values are checked by the assertions that read them
export async function releaseValues(helmPath: string, ns: string, revision?: number): Promise<any> {
  const args = ['get', 'values', 'prefect-server', '-n', ns, '-o', 'json'];
  if (revision !== undefined) args.push('--revision', String(revision));
  return JSON.parse(String((await helm(helmPath, args)).stdout));
}

/** The data of the bundled database's password Secret, to compare byte for byte. */
export async function passwordData(ns: string): Promise<Record<string, string>> {
  return (await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns])).data;
}

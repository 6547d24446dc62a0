// The verdict on a failed login to the database, from PostgreSQL's error code, with the ways
// out for this release.
import { componentSelector, instanceSelector } from '../release/labels.js';
import { fail, warn } from '../ui/check.js';
import { type DatabaseTarget, quoteIdent } from './database-target.js';
import { type DoctorResult, withDetails } from './doctor-check.js';

export interface PgError {
  code?: string;
  message?: string;
}

/** The two ways out of the manual's "bad password", for this release. */
export function badPasswordWaysOut(
  t: DatabaseTarget | undefined,
  namespace: string,
  release: string,
): string[] {
  const name = t?.secret?.name ?? 'SECRET';
  const key = t?.secret?.key ?? 'postgresql-password';
  // The chart's own Secret is read under both keys (either era of values): keep them equal.
  const keys =
    key === 'postgresql-password' || key === 'postgres-password'
      ? ['postgresql-password', 'postgres-password']
      : [key];
  const fromFiles = keys.map((k) => `--from-file=${k}=PASSWORD_FILE`).join(' ');
  const lines = [
    `1. Put the password the database has into the Secret (PASSWORD_FILE holds it): kubectl create secret generic ${name} -n ${namespace} ${fromFiles} --dry-run=client -o yaml | kubectl apply -f -`,
  ];
  if (t?.pod) {
    lines.push(
      `2. Or give the database the Secret's password (the pod has it as POSTGRES_PASSWORD): kubectl exec -n ${namespace} ${t.pod} -- sh -c 'printf "ALTER USER \\"%s\\" PASSWORD '\\''%s'\\'';\\n" "$POSTGRES_USER" "$POSTGRES_PASSWORD" | psql -U "$POSTGRES_USER" -d "$POSTGRES_DB"'`,
    );
  } else {
    lines.push(
      `2. Or, as an administrator of the database, set the user's password to the Secret's: ALTER USER ${quoteIdent(t?.user ?? 'USER')} PASSWORD '...';`,
    );
  }
  lines.push(
    `Then restart the server: kubectl rollout restart deployment -n ${namespace} -l ${instanceSelector(release)}`,
  );
  return lines;
}

/** The verdict on a failed login, from PostgreSQL's error code. */
export function judgeLoginError(
  error: PgError,
  where: { user: string; database: string; via: string },
  t: DatabaseTarget | undefined,
  namespace: string,
  release: string,
): DoctorResult {
  const text = error.message ?? String(error);
  switch (error.code) {
    case '28P01':
      return withDetails(
        fail(
          `the database refuses the password for user ${where.user} (${text}): it keeps the password it was created with (a persisted volume), and the Secret holds another`,
          'Make them the same, in one of two ways:',
        ),
        badPasswordWaysOut(t, namespace, release),
      );
    case '28000':
      return fail(
        `the database refuses user ${where.user}: ${text}`,
        /pg_hba/.test(text)
          ? 'Allow this user and database from the cluster in pg_hba.conf (with SSL if it asks: sslmode=require).'
          : `Create the user, or fix the user name in the values (postgresql.auth.username): prefect-server upgrade -n ${namespace}`,
      );
    case '3D000':
      return fail(
        `database ${where.database} does not exist: ${text}`,
        `Create it: CREATE DATABASE ${quoteIdent(where.database)} OWNER ${quoteIdent(where.user)};`,
      );
    case '57P03':
      return warn(`the database is starting up: ${text}`, 'Run doctor again in a minute.');
    default:
      return warn(
        `cannot run: cannot reach the database ${where.via}: ${text}`,
        t?.service
          ? `Is the database pod running? kubectl get pods -n ${namespace} ${t.pod ?? `-l ${componentSelector('postgresql')}`}`
          : 'Reach it from here with --database-url postgresql://USER@HOST:PORT/DATABASE (password from PGPASSWORD or the Secret).',
      );
  }
}

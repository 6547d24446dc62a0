// The --database-url doctor takes: parsed into the PostgreSQL client's connection settings, and
// written back without its password for messages.
import { InputError } from '../errors.js';

export interface DatabaseUrl {
  user: string;
  password: string | undefined;
  host: string;
  port: number;
  database: string;
  ssl: boolean | { rejectUnauthorized: boolean };
}

/** postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]; bad input is exit 2. */
export function parseDatabaseUrl(text: string): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(
      '--database-url is not a URL: expected postgresql://USER@HOST:PORT/DATABASE',
    );
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new InputError('--database-url must start with postgresql://');
  }
  if (!url.hostname || !url.username) {
    throw new InputError(
      '--database-url needs a user and a host: postgresql://USER@HOST:PORT/DATABASE',
    );
  }
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  return {
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'prefect',
    ssl:
      sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? { rejectUnauthorized: true }
        : sslmode === 'require'
          ? { rejectUnauthorized: false }
          : false,
  };
}

/** The URL with no password, for messages. */
export function describeUrl(u: {
  user: string;
  host: string;
  port: number;
  database: string;
}): string {
  return `postgresql://${u.user}@${u.host}:${u.port}/${u.database}`;
}

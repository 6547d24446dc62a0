// What an answer left open becomes. Apart from the plan so that the start-up path (the release
// reference's help text, the flags' help) reads them without loading buildPlan.
export const defaults = {
  namespace: 'prefect',
  release: 'prefect-server',
  repoUrl: 'https://prefecthq.github.io/server/',
  dbSize: '8Gi',
  dbPort: 5432,
  dbName: 'prefect',
  dbUser: 'prefect',
  tenantName: 'default',
  tenantSlug: 'default',
  /** connect forwards the API here, so the UI's browser finds it at the same address */
  portForwardApiUrl: 'http://localhost:4200/graphql',
} as const;

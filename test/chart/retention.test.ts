// The retention CronJob (chart/templates/retention/): off by default, and when on, the one script
// prefect-server prune runs (chart/files/retention.sql, the same file the CLI ships), with the
// password only from the release's Secret. Rendered by real helm 3 and 4.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { retentionScriptPath } from '../../src/prefect/retention-sql.js';
import { helms } from '../support/tools.js';
import { checkInvariants } from './invariants.js';
import {
  container,
  envOf,
  envValues,
  NAMESPACE,
  podSpec,
  template,
  templateError,
} from './render.js';

const script = readFileSync(retentionScriptPath, 'utf8');

describe.each(helms())('the retention CronJob with $label', (helm) => {
  it('is not rendered by default, nor anything else of it', async () => {
    const rendered = await template(helm, {});
    expect(rendered.all('CronJob')).toEqual([]);
    expect(rendered.byComponent('ConfigMap', 'retention')).toEqual([]);
  });

  it('when enabled runs the shared script with psql, the password from the Secret', async () => {
    const password = 'retention-secret-pw';
    const rendered = await template(helm, {
      postgresql: { postgresqlPassword: password },
      retention: {
        enabled: true,
        logsOlderThanDays: 14,
        flowRunsOlderThanDays: 90,
        batchSize: 2000,
      },
    });
    checkInvariants(rendered, { secrets: [password] });
    const cronJob = rendered.component('CronJob', 'retention');
    expect(cronJob.spec.schedule).toBe('17 3 * * *');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    expect(cronJob.spec.successfulJobsHistoryLimit).toBe(1);
    expect(cronJob.spec.failedJobsHistoryLimit).toBe(3);
    const c = container(cronJob, 'retention');
    expect(c.image).toBe('postgres:14');
    expect(c.command).toEqual([
      'psql',
      '-X',
      '-v',
      'logs_older_than=14 days',
      '-v',
      'flow_runs_older_than=90 days',
      '-v',
      'batch_size=2000',
      '-f',
      '/retention/retention.sql',
    ]);
    expect(JSON.stringify(cronJob)).not.toContain(password);
    expect(envValues(c)).toMatchObject({
      PGHOST: `rel-postgresql.${NAMESPACE}`,
      PGPORT: '5432',
      PGUSER: 'prefect',
      PGDATABASE: 'prefect',
    });
    const pgPassword = envOf(c).get('PGPASSWORD');
    expect(pgPassword?.value).toBeUndefined();
    expect(pgPassword?.valueFrom?.secretKeyRef).toEqual({
      name: 'rel-postgresql',
      key: 'postgresql-password',
    });
    // The script the CronJob mounts is, byte for byte, the file prune streams to psql.
    const volume = podSpec(cronJob).volumes.find((v: { name: string }) => v.name === 'script');
    const configMap = rendered.get('ConfigMap', volume.configMap.name);
    expect(configMap.data['retention.sql']).toBe(script);
    expect(c.volumeMounts).toContainEqual({
      name: 'script',
      mountPath: '/retention',
      readOnly: true,
    });
  });

  it('turns off a part whose age is 0, and reaches an external database by its host', async () => {
    const rendered = await template(helm, {
      postgresql: {
        useSubChart: false,
        externalHostname: 'pg.internal',
        existingSecret: 'pg-secret',
        postgresqlUsername: 'me%40server',
      },
      retention: { enabled: true, logsOlderThanDays: 0, flowRunsOlderThanDays: 30 },
    });
    const c = container(rendered.component('CronJob', 'retention'), 'retention');
    expect(c.command).toContain('logs_older_than=');
    expect(c.command).toContain('flow_runs_older_than=30 days');
    // psql takes the user as it is, not URL-encoded.
    expect(envValues(c)).toMatchObject({ PGHOST: 'pg.internal', PGUSER: 'me@server' });
    expect(envOf(c).get('PGPASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('pg-secret');
  });

  it('refuses to be enabled with nothing to delete', async () => {
    const error = await templateError(helm, {
      retention: { enabled: true, logsOlderThanDays: 0, flowRunsOlderThanDays: 0 },
    });
    expect(error).toContain('retention.logsOlderThanDays or retention.flowRunsOlderThanDays');
  });

  it.each([
    [{ enabled: 'yes' }, "'/retention/enabled'"],
    [{ logsOlderThanDays: -1 }, "'/retention/logsOlderThanDays'"],
    [{ flowRunsOlderThanDays: 1.5 }, "'/retention/flowRunsOlderThanDays'"],
    [{ batchSize: 0 }, "'/retention/batchSize'"],
    [{ schedule: '' }, "'/retention/schedule'"],
    [{ keepForever: true }, "'keepForever'"],
  ])('the schema refuses retention %j', async (retention, names) => {
    const error = await templateError(helm, { retention });
    expect(error).toContain("values don't meet the specifications of the schema");
    expect(error).toContain(names);
  });
});

// The upgrade's decisions (src/upgrade/upgrade-plan.ts), pure: what the flags change, what is
// refused, which chart the release moves to, and which values helm receives.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { sectionsRenderedBy } from '../../src/plan/answers.js';
import { SecretValue } from '../../src/plan/secret-value.js';
import {
  changedKeys,
  chooseChart,
  startingAnswers,
  targetAnswers,
  upgradeValues,
} from '../../src/upgrade/upgrade-plan.js';

describe('changedKeys', () => {
  it('keeps what upgrade changes and leaves out what only names the release or the chart', () => {
    const keys = changedKeys({
      namespace: 'prefect',
      release: 'prefect-server',
      context: 'kind',
      chartVersion: '2022.09.23',
      verify: true,
      valuesFiles: ['x.yaml'],
      agent: true,
      uiTag: '2022-09-14',
      dbSize: '20Gi',
      expose: undefined,
    });
    expect(keys).toEqual(['agent', 'uiTag', 'dbSize']);
    // The volume resize writes its own key; the agent and the UI tag re-render their sections.
    expect([...sectionsRenderedBy(keys)].sort()).toEqual(['agent', 'uiVersionTag']);
  });

  it('refuses every database answer but the size, naming each flag (exit 2)', () => {
    const refuse = () =>
      changedKeys({
        dbHost: 'pg.elsewhere',
        dbPassword: new SecretValue('x'),
        database: 'external',
        agent: true,
      });
    expect(refuse).toThrow(InputError);
    expect(refuse).toThrow(
      /^--db-host, --db-password-stdin, --database cannot be changed by upgrade/,
    );
  });
});

describe('chooseChart', () => {
  it('a release of a released chart stays on the repository, at its version unless told', () => {
    expect(chooseChart({}, {}, '2022.09.23')).toEqual({
      source: 'repo',
      repoUrl: 'https://prefecthq.github.io/server/',
      version: '2022.09.23',
      verify: false,
      keyring: undefined,
      signingKey: undefined,
    });
    const moved = chooseChart(
      { version: '2022.04.14' },
      { repoUrl: 'http://mirror/' },
      '2022.09.23',
    );
    expect(moved).toMatchObject({
      source: 'repo',
      repoUrl: 'http://mirror/',
      version: '2022.04.14',
    });
  });

  it('a release of our chart stays on the bundled chart; --version moves it to a released one', () => {
    expect(chooseChart({}, {}, '0.3.0')).toEqual({ source: 'bundled' });
    expect(chooseChart({ version: '2022.09.23' }, {}, '0.3.0')).toMatchObject({
      source: 'repo',
      version: '2022.09.23',
    });
    expect(chooseChart({ chartSource: 'bundled' }, {}, '2022.09.23')).toEqual({
      source: 'bundled',
    });
  });
});

describe('the answers and values of an upgrade', () => {
  it('flags win over the release’s answers; the release stays where it is', () => {
    const answers = startingAnswers(
      { agent: false, uiTag: '2022-09-14', namespace: 'old' },
      { agent: true, uiTag: undefined },
      { source: 'bundled' },
      { name: 'prefect-server', namespace: 'team' },
    );
    expect(answers).toMatchObject({
      agent: true,
      uiTag: '2022-09-14',
      namespace: 'team',
      release: 'prefect-server',
      chartSource: 'bundled',
      createNamespace: false,
    });
  });

  it('a resize keeps the bundled database with a volume, at the new size', () => {
    expect(targetAnswers({ database: 'bundled' }, {}, { source: 'bundled' }, '20Gi')).toMatchObject(
      { database: 'bundled', dbPersistence: true, dbSize: '20Gi', chartSource: 'bundled' },
    );
  });

  it('only the re-rendered sections replace the installed values; the size key goes on top', () => {
    const installed = {
      agent: { enabled: false },
      apollo: { service: { type: 'LoadBalancer' }, replicas: 2 },
      postgresql: { useSubChart: true, primary: { persistence: { enabled: true, size: '8Gi' } } },
    };
    const rendered = {
      agent: { enabled: true },
      apollo: { service: { type: 'ClusterIP' } },
      postgresql: { useSubChart: true, primary: { persistence: { enabled: false } } },
    };
    const values = upgradeValues(installed, rendered, new Set(['agent']), {
      postgresql: { primary: { persistence: { size: '20Gi' } } },
    });
    expect(values).toEqual({
      agent: { enabled: true },
      apollo: { service: { type: 'LoadBalancer' }, replicas: 2 },
      postgresql: { useSubChart: true, primary: { persistence: { enabled: true, size: '20Gi' } } },
    });
  });
});

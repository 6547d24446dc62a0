// Released charts' repository handling, pure parts: which name a repository gets in the user's
// helm configuration, and reading helm's JSON (repo list, search) and pull output.
import { describe, expect, it } from 'vitest';
import {
  normalizeRepoUrl,
  parseChartVersions,
  parseRepoList,
  parseVerifiedBy,
  pickRepoName,
  versionOfArchive,
} from '../../src/release/chart-source.js';

const prefectUrl = 'https://prefecthq.github.io/server/';

describe('pickRepoName', () => {
  it('adds prefecthq when nothing is configured', () => {
    expect(pickRepoName([], prefectUrl)).toEqual({ name: 'prefecthq', exists: false });
  });

  it('reuses the user’s own entry for the same URL, whatever its name or trailing slash', () => {
    const repos = [{ name: 'prefect', url: 'HTTPS://PrefectHQ.github.io/server' }];
    expect(pickRepoName(repos, prefectUrl)).toEqual({ name: 'prefect', exists: true });
    expect(pickRepoName([{ name: 'prefecthq', url: prefectUrl }], prefectUrl)).toEqual({
      name: 'prefecthq',
      exists: true,
    });
  });

  it('never repoints a prefecthq entry that names another URL', () => {
    const repos = [{ name: 'prefecthq', url: 'https://mirror.example.com/charts/' }];
    const picked = pickRepoName(repos, prefectUrl);
    expect(picked.exists).toBe(false);
    expect(picked.name).toMatch(/^prefecthq-[0-9a-f]{8}$/);
    // The same URL always gets the same name, so a second run finds it.
    expect(pickRepoName([...repos, { name: picked.name, url: prefectUrl }], prefectUrl)).toEqual({
      name: picked.name,
      exists: true,
    });
  });

  it('keeps the path and its case, only the scheme and host are case-insensitive', () => {
    expect(normalizeRepoUrl('HTTP://Mirror.Example.com/Charts///')).toBe(
      'http://mirror.example.com/Charts',
    );
  });
});

describe('helm output', () => {
  it('repo list: JSON, or nothing', () => {
    expect(parseRepoList('[{"name":"a","url":"http://x/"}]\n')).toEqual([
      { name: 'a', url: 'http://x/' },
    ]);
    expect(parseRepoList('[]\n')).toEqual([]);
    expect(parseRepoList('')).toEqual([]);
    expect(parseRepoList('null')).toEqual([]);
  });

  it('search: this repository’s prefect-server versions, newest first', () => {
    const out = JSON.stringify([
      { name: 'prefecthq/prefect-server', version: '2022.04.14', app_version: '2022.04.14' },
      { name: 'prefecthq/prefect-server', version: '2022.09.23', app_version: '2022.09.23' },
      { name: 'prefecthq/prefect-server-extras', version: '9.9.9' },
      { name: 'other/prefect-server', version: '2030.01.01' },
      { name: 'prefecthq/prefect-server', version: '2021.04.27', app_version: '2021.04.27' },
      { name: 'prefecthq/prefect-server', version: '2022.01.12', app_version: '2022.01.12' },
    ]);
    expect(parseChartVersions(out, 'prefecthq')).toEqual([
      '2022.09.23',
      '2022.04.14',
      '2022.01.12',
      '2021.04.27',
    ]);
    expect(parseChartVersions('[]', 'prefecthq')).toEqual([]);
  });

  it('the version in a pulled archive’s name', () => {
    expect(versionOfArchive('prefect-server-2022.09.23.tgz')).toBe('2022.09.23');
    expect(versionOfArchive('prefect-server-2022.09.23.tgz.prov')).toBeUndefined();
    expect(versionOfArchive('other-1.0.0.tgz')).toBeUndefined();
  });

  it('who signed, from helm pull --verify', () => {
    const out = `Signed by: Test Signer <signer@example.test>
Using Key With Fingerprint: 7A6AC76D038E48860F7EB9B34D5D6BE3D0607806
Chart Hash Verified: sha256:f82d5f2addd49da2e8356e25634d7034b6a44d19785073e508d9554a70e6b540
`;
    expect(parseVerifiedBy(out)).toEqual({
      signer: 'Test Signer <signer@example.test>',
      fingerprint: '7A6AC76D038E48860F7EB9B34D5D6BE3D0607806',
    });
    expect(parseVerifiedBy('')).toEqual({});
  });
});

describe('--repo-url in the plan', () => {
  it('means a released chart, as in the wizard; refused with --chart-source bundled', async () => {
    const { buildPlan } = await import('../../src/plan/install-plan.js');
    expect(buildPlan({ repoUrl: 'http://127.0.0.1:8879/', verify: true }).chart).toEqual({
      source: 'repo',
      repoUrl: 'http://127.0.0.1:8879/',
      version: undefined,
      verify: true,
      keyring: undefined,
      signingKey: undefined,
    });
    expect(() => buildPlan({ chartSource: 'bundled', repoUrl: 'http://x/' })).toThrow(
      /--repo-url is for released charts/,
    );
    expect(buildPlan({}).chart).toEqual({ source: 'bundled' });
  });
});

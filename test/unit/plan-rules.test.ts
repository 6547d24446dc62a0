import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  databaseHost,
  hostName,
  httpUrl,
  imageTag,
  namespaceName,
  port,
  prefectLabel,
  quantity,
  type Rule,
  releaseName,
  tenantSlug,
  uiImageTag,
} from '../../src/plan/rules.js';

const publishedValues = resolve(import.meta.dirname, '../../../shared/original-chart/values');

function check(rule: Rule, good: string[], bad: [string, RegExp][]) {
  for (const value of good) expect(rule(value), `"${value}" should be accepted`).toBeUndefined();
  for (const [value, message] of bad)
    expect(rule(value), `"${value}" should be refused`).toMatch(message);
}

describe('answer rules', () => {
  it('namespace: DNS-1123 label up to 63', () => {
    check(
      namespaceName,
      ['prefect', 'a', 'team-1', 'x'.repeat(63)],
      [
        ['', /must not be empty/],
        ['Prefect', /DNS-1123 label/],
        ['-prefect', /DNS-1123 label/],
        ['prefect-', /DNS-1123 label/],
        ['pre_fect', /DNS-1123 label/],
        ['pre.fect', /DNS-1123 label/],
        ['x'.repeat(64), /at most 63 characters/],
      ],
    );
  });

  it('release: DNS-1123 label up to 53', () => {
    check(
      releaseName,
      ['prefect-server', 'x'.repeat(53)],
      [['x'.repeat(54), /at most 53 characters, .* has 54/]],
    );
  });

  it('hosts: bare, lowercase, qualified DNS names', () => {
    check(
      hostName,
      ['prefect.example.com', '*.example.com', 'a-b.c.io', 'localhost'],
      [
        ['https://prefect.example.com', /without "http/],
        ['prefect.example.com:443', /without a port/],
        ['Prefect.example.com', /lowercase/],
        ['prefect', /fully qualified/],
        ['bad_host.example.com', /DNS-1123 subdomain/],
        ['-a.example.com', /DNS-1123/],
      ],
    );
  });

  it('image tags', () => {
    check(
      imageTag,
      ['2022.09.23', 'latest', 'v2.1.1', '1.4.1-python3.9', 'core_1'],
      [
        ['', /1 to 128/],
        ['.hidden', /not starting/],
        ['-x', /not starting/],
        ['a:b', /1 to 128/],
        ['x'.repeat(129), /1 to 128/],
      ],
    );
  });

  it('UI image tags: every tag a released chart pinned is accepted, a server-style dotted date is refused', () => {
    const pinned = readdirSync(publishedValues)
      .map((file) => parse(readFileSync(resolve(publishedValues, file), 'utf8')).uiVersionTag)
      .filter((tag): tag is string => typeof tag === 'string' && tag !== '');
    expect(pinned).toContain('2022-09-14');
    check(
      uiImageTag,
      [...new Set(pinned), 'latest'],
      [
        ['2022.09.23', /does not exist: prefecthq\/ui tags are dates with dashes, e.g. 2022-09-23/],
        ['a:b', /1 to 128/],
      ],
    );
  });

  it('quantities: positive Kubernetes quantities', () => {
    check(
      quantity('Size'),
      ['8Gi', '500m', '1', '0.5', '1.5Gi', '100M', '1e3'],
      [
        ['8GB', /not a Kubernetes quantity/],
        ['-1Gi', /not a Kubernetes quantity/],
        ['0', /greater than zero/],
        ['Gi', /not a Kubernetes quantity/],
        ['8 Gi', /not a Kubernetes quantity/],
      ],
    );
  });

  it('tenant slugs, labels, URLs, ports, database hosts', () => {
    check(
      tenantSlug,
      ['default', 'data-team', 'team2'],
      [
        ['Default', /lowercase/],
        ['data team', /no spaces/],
        ['data--team', /single hyphens/],
        ['-x', /single hyphens/],
      ],
    );
    check(
      prefectLabel,
      ['k8s', 'gpu:true'],
      [
        ['', /empty/],
        ['a,b', /commas/],
        ['a b', /spaces/],
      ],
    );
    check(
      httpUrl,
      ['http://localhost:4200/graphql', 'https://api.example.com/graphql'],
      [
        ['ftp://x', /http:\/\//],
        ['localhost:4200', /http:\/\/|not a URL/],
      ],
    );
    check(
      port,
      ['1', '5432', '65535'],
      [
        ['0', /1 to 65535/],
        ['65536', /1 to 65535/],
        ['5432a', /1 to 65535/],
      ],
    );
    check(
      databaseHost,
      ['pg.internal', '10.0.0.5', 'db'],
      [
        ['postgres://pg', /bare host/],
        ['10.0.0.256', /IPv4/],
        ['PG.internal', /DNS-1123/],
      ],
    );
  });
});

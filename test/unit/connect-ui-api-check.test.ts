import { describe, expect, it } from 'vitest';
import { chooseLocalPort, isPortFree } from '../../src/connect/local-ports.js';
import { openCommand } from '../../src/connect/open-browser.js';
import { InputError, UserError } from '../../src/errors.js';
import { formatDuration, parseDuration } from '../../src/plan/duration.js';
import { apolloHealthUrl, loopbackUrl, portForwardUrls, sameUrl } from '../../src/prefect/urls.js';
import { commandLine, targetFlags } from '../../src/release/release-flags.js';
import { checkUiApiUrl } from '../../src/release/ui-api-check.js';

const ref = { namespace: 'prefect', release: 'prefect-server' };

describe('the UI’s server_url against the API URL browsers use', () => {
  it('accepts the same address however it is spelled', () => {
    expect(
      checkUiApiUrl(
        'http://localhost:4200/graphql',
        'http://localhost:4200/graphql',
        ref,
        'port-forward',
      ),
    ).toEqual({ ok: true });
    expect(sameUrl('HTTP://LocalHost:4200/graphql/', 'http://localhost:4200/graphql')).toBe(true);
    expect(sameUrl('https://api.example.com:443/graphql', 'https://api.example.com/graphql')).toBe(
      true,
    );
    expect(sameUrl('http://localhost:4200/graphql', 'http://127.0.0.1:4200/graphql')).toBe(false);
  });

  it('says when they differ, with the upgrade that fixes ui.apolloApiUrl', () => {
    const verdict = checkUiApiUrl(
      'http://prefect-server-apollo.prefect:4200/graphql',
      'http://localhost:4200/graphql',
      ref,
      'port-forward',
    );
    expect(verdict).toEqual({
      ok: false,
      message:
        'The UI will not reach the API: its /settings.json gives browsers server_url http://prefect-server-apollo.prefect:4200/graphql, but the API is at http://localhost:4200/graphql.',
      fixes: ['prefect-server upgrade -n prefect --api-url http://localhost:4200/graphql'],
    });
  });

  it('when the UI expects the API on another local port, also offers to forward it there', () => {
    const verdict = checkUiApiUrl(
      'http://localhost:4200/graphql',
      'http://localhost:41234/graphql',
      { namespace: 'team', release: 'prod', context: 'kind-dev' },
      'port-forward',
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? [] : verdict.fixes).toEqual([
      'prefect-server upgrade -n team --release prod --context kind-dev --api-url http://localhost:41234/graphql',
      'prefect-server connect -n team --release prod --context kind-dev --api-port 4200',
    ]);
  });

  it('in --external mode allows for a DNS name of the same address', () => {
    const verdict = checkUiApiUrl(
      'http://prefect.example.com:4200/graphql',
      'http://203.0.113.7:4200/graphql',
      ref,
      'external',
    );
    expect(verdict.ok ? '' : verdict.message).toMatch(
      /if that host is a DNS name for this address/,
    );
    expect(verdict.ok ? [] : verdict.fixes).toHaveLength(1);
  });

  it('quotes only what a shell would split', () => {
    expect(targetFlags({ ...ref, kubeconfig: '/home/me/my configs/k.yaml' })).toEqual([
      '-n',
      'prefect',
      '--kubeconfig',
      '/home/me/my configs/k.yaml',
    ]);
    expect(commandLine(['a', 'b c', "it's"])).toBe(`a 'b c' 'it'\\''s'`);
  });
});

describe('URLs', () => {
  it('derives the health URL, the forwarded URLs and a loopback address for probes', () => {
    expect(apolloHealthUrl('https://api.example.com/prefect/graphql')).toBe(
      'https://api.example.com/.well-known/apollo/server-health',
    );
    expect(portForwardUrls(4200, 8080)).toEqual({
      apiUrl: 'http://localhost:4200/graphql',
      uiUrl: 'http://localhost:8080/',
    });
    expect(loopbackUrl('http://localhost:4200/graphql')).toBe('http://127.0.0.1:4200/graphql');
    expect(loopbackUrl('http://10.0.0.1:4200/graphql')).toBe('http://10.0.0.1:4200/graphql');
  });
});

describe('durations', () => {
  it('parses helm-style durations and bare seconds', () => {
    const parse = parseDuration('--timeout');
    expect(parse('30s')).toBe(30_000);
    expect(parse('2m')).toBe(120_000);
    expect(parse('1m30s')).toBe(90_000);
    expect(parse('500ms')).toBe(500);
    expect(parse('45')).toBe(45_000);
    expect(parse('1.5s')).toBe(1_500);
  });

  it('refuses anything else as bad input', () => {
    const parse = parseDuration('--timeout');
    for (const bad of ['', 'soon', '10 s', '-5s', '0', '0s', '5d']) {
      expect(() => parse(bad), bad).toThrow(InputError);
    }
    expect(() => parse('soon')).toThrow(
      '--timeout must be a duration such as 30s, 2m or 1m30s, got "soon".',
    );
  });

  it('reads back as a person says it', () => {
    expect([500, 1_000, 2_400, 60_000, 90_000].map(formatDuration)).toEqual([
      '500 ms',
      '1 s',
      '2 s',
      '1 min',
      '1 min 30 s',
    ]);
  });
});

describe('local ports', () => {
  it('keeps a free preferred port', async () => {
    expect(await chooseLocalPort('API', '--api-port', 4200, false, async () => true)).toEqual({
      port: 4200,
    });
  });

  it('replaces a taken default with any free port, and says so', async () => {
    expect(await chooseLocalPort('API', '--api-port', 4200, false, async () => false)).toEqual({
      port: 0,
      note: 'port 4200 is in use, so the API gets another free port',
    });
  });

  it('never replaces a port the user chose', async () => {
    await expect(
      chooseLocalPort('UI', '--ui-port', 18080, true, async () => false),
    ).rejects.toThrow(UserError);
  });

  it('sees a port another program listens on as taken', async () => {
    const { createServer } = await import('node:net');
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    await new Promise((r) => server.close(r));
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('opening a browser', () => {
  it('uses the platform’s opener with the URL as one argument', () => {
    expect(openCommand('http://localhost:8080/', 'linux')).toEqual([
      'xdg-open',
      ['http://localhost:8080/'],
    ]);
    expect(openCommand('http://localhost:8080/', 'darwin')).toEqual([
      'open',
      ['http://localhost:8080/'],
    ]);
    expect(openCommand('http://localhost:8080/', 'win32')).toEqual([
      'cmd',
      ['/c', 'start', '""', 'http://localhost:8080/'],
    ]);
  });
});

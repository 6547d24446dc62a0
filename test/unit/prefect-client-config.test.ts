import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@decimalturn/toml-patch';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClientConfigError,
  clientConfigWarnings,
  clientSettingsFor,
  mergeBackendConfig,
  mergeClientConfig,
  renderClientConfig,
} from '../../src/prefect/client-config.js';
import { clientConfigFiles, writeClientConfig } from '../../src/prefect/config-files.js';

const local = clientSettingsFor('http://localhost:4200/graphql');
/** The endpoint of Prefect's default config.toml: its own interpolation, not a JS template. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Prefect's interpolation syntax
const defaultEndpoint = '${server.host}:${server.port}';

describe('clientSettingsFor', () => {
  it('splits the API URL into the host and port the client joins into its endpoint', () => {
    expect(local).toEqual({
      host: 'http://localhost',
      port: '4200',
      apolloUrl: 'http://localhost:4200/graphql',
    });
    expect(clientSettingsFor('https://prefect-api.example.com/graphql')).toMatchObject({
      host: 'https://prefect-api.example.com',
      port: '443',
    });
    expect(clientSettingsFor('http://10.0.0.7/graphql').port).toBe('80');
    expect(clientSettingsFor('http://[fd00::1]:4200/graphql').host).toBe('http://[fd00::1]');
  });
});

describe('mergeClientConfig', () => {
  it('writes a new file with a header when there is none', () => {
    const { text, changed } = mergeClientConfig(undefined, local);
    expect(changed).toBe(true);
    expect(text).toMatch(/^# The Prefect 1.x client configuration/);
    expect(parse(text)).toEqual({
      server: {
        host: 'http://localhost',
        port: '4200',
        ui: { apollo_url: 'http://localhost:4200/graphql' },
      },
    });
  });

  it('adds [server] and [server.ui] sections below the user’s own, every byte of theirs kept', () => {
    const mine =
      '# my settings\n[logging]\nlevel = "DEBUG" # loud\n\n[cloud]\nuse_local_secrets = true\n';
    const { text } = mergeClientConfig(mine, local);
    expect(text.startsWith(mine)).toBe(true);
    expect(text.slice(mine.length)).toBe(
      '\n[server]\nhost = "http://localhost"\nport = "4200"\n\n[server.ui]\napollo_url = "http://localhost:4200/graphql"\n',
    );
  });

  it('changes only host, port and apollo_url in an existing [server], keeping its other keys and comments', () => {
    const mine = [
      '# server settings',
      '[server]',
      '    host = "http://old-host" # where it was',
      '    port = 4200',
      `    endpoint = "${defaultEndpoint}"`,
      '    [server.ui]',
      '        host = "http://localhost"',
      '        apollo_url = "http://old-host:4200/graphql"',
      '',
      '[flows]',
      'checkpointing = true',
      '',
    ].join('\n');
    const { text, changed } = mergeClientConfig(
      mine,
      clientSettingsFor('http://localhost:14200/graphql'),
    );
    expect(changed).toBe(true);
    expect(text).toBe(
      mine
        .replace('"http://old-host" # where it was', '"http://localhost" # where it was')
        .replace('port = 4200', 'port = "14200"')
        .replace('"http://old-host:4200/graphql"', '"http://localhost:14200/graphql"'),
    );
  });

  it('keeps Windows line endings', () => {
    const { text } = mergeClientConfig('# mine\r\n[logging]\r\nlevel = "INFO"\r\n', local);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text).toContain('[server]\r\nhost = "http://localhost"\r\n');
  });

  it('leaves a file that already says the same alone', () => {
    const first = mergeClientConfig('# x\n', local).text;
    expect(mergeClientConfig(first, local)).toEqual({ text: first, changed: false });
  });

  it('refuses a file that is not TOML, or whose server is not a table, rather than guess', () => {
    expect(() => mergeClientConfig('[server\nhost = 1', local)).toThrow(ClientConfigError);
    expect(() => mergeClientConfig('[server\nhost = 1', local)).toThrow(/not valid TOML/);
    expect(() => mergeClientConfig('server = "http://x"\n', local)).toThrow(/\[server\] table/);
    expect(() => mergeClientConfig('[server]\nui = 3\n', local)).toThrow(/\[server.ui\] table/);
  });
});

describe('backend.toml and the rest', () => {
  it('sets backend = "server" as `prefect backend server` does, keeping anything else', () => {
    expect(mergeBackendConfig(undefined)).toEqual({ text: 'backend = "server"\n', changed: true });
    expect(mergeBackendConfig('backend = "cloud"\n')).toEqual({
      text: 'backend = "server"\n',
      changed: true,
    });
    expect(mergeBackendConfig('backend = "server"\n').changed).toBe(false);
  });

  it('renders the fragment --print-config shows', () => {
    expect(renderClientConfig(local)).toBe(
      '[server]\nhost = "http://localhost"\nport = "4200"\n\n[server.ui]\napollo_url = "http://localhost:4200/graphql"\n',
    );
  });

  it('warns about what would make the client ignore the new settings', () => {
    const config =
      '[server]\nhost = "http://localhost"\nport = "4200"\nendpoint = "http://elsewhere:4200"\n';
    expect(clientConfigWarnings(config, {})).toEqual([
      expect.stringContaining('endpoint = "http://elsewhere:4200"'),
    ]);
    expect(clientConfigWarnings(`[server]\nendpoint = "${defaultEndpoint}/x"\n`, {})).toEqual([]);
    const env = { PREFECT__SERVER__HOST: 'http://x', PREFECT__BACKEND: 'cloud' };
    expect(clientConfigWarnings('', env)).toEqual([
      expect.stringContaining('PREFECT__SERVER__HOST is set'),
      expect.stringContaining('PREFECT__BACKEND=cloud'),
    ]);
  });
});

describe('writeClientConfig (files)', () => {
  const homes: string[] = [];
  afterAll(async () => {
    await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  });
  const tempHome = async () => {
    const home = await mkdtemp(join(tmpdir(), 'prefect-home-'));
    homes.push(home);
    return home;
  };

  it('creates ~/.prefect when missing', async () => {
    const home = await tempHome();
    const files = clientConfigFiles(home);
    const outcome = await writeClientConfig(local, files, {});
    expect(outcome.files.map((f) => [f.path, f.changed, f.backup])).toEqual([
      [files.backend, true, undefined],
      [files.config, true, undefined],
    ]);
    expect(await readFile(files.backend, 'utf8')).toBe('backend = "server"\n');
  });

  it('backs the original up once, keeps its mode, and follows a symlink', async () => {
    const home = await tempHome();
    const files = clientConfigFiles(home);
    await mkdir(files.dir);
    const real = join(home, 'dotfiles-config.toml');
    await writeFile(real, '# original\n', { mode: 0o600 });
    await symlink(real, files.config);

    const first = await writeClientConfig(local, files, {});
    expect(first.files[1]?.backup).toBe(`${real}.before-prefect-server`);
    expect(await readFile(`${real}.before-prefect-server`, 'utf8')).toBe('# original\n');
    expect((await stat(real)).mode & 0o777).toBe(0o600);
    expect((await readFile(files.config, 'utf8')).startsWith('# original\n')).toBe(true);

    // A second change keeps the first backup: it is the user's original.
    const second = await writeClientConfig(
      clientSettingsFor('http://localhost:14200/graphql'),
      files,
      {},
    );
    expect(second.files[1]).toMatchObject({ changed: true });
    expect(second.files[1]?.backup).toBeUndefined();
    expect(await readFile(`${real}.before-prefect-server`, 'utf8')).toBe('# original\n');

    const third = await writeClientConfig(
      clientSettingsFor('http://localhost:14200/graphql'),
      files,
      {},
    );
    expect(third.files.map((f) => f.changed)).toEqual([false, false]);
  });

  it('writes nothing when config.toml cannot be read as TOML', async () => {
    const home = await tempHome();
    const files = clientConfigFiles(home);
    await mkdir(files.dir);
    await writeFile(files.config, '[server\n');
    await expect(writeClientConfig(local, files, {})).rejects.toThrow(ClientConfigError);
    await expect(stat(files.backend)).rejects.toThrow(/ENOENT/);
    expect(await readFile(files.config, 'utf8')).toBe('[server\n');
  });
});

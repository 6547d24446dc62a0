import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory only this user can read (mkdtemp makes it 0700), for the files handed to helm.
 * Removed when the command ends, whatever way it ends.
 */
export class PrivateDir {
  private constructor(readonly path: string) {}

  static async create(): Promise<PrivateDir> {
    return new PrivateDir(await mkdtemp(join(tmpdir(), 'prefect-server-')));
  }

  async write(name: string, content: string): Promise<string> {
    const file = join(this.path, name);
    await writeFile(file, content, { mode: 0o600 });
    return file;
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

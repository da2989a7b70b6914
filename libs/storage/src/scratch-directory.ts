import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where originals are spooled to disk while they are hashed and decoded, so no process holds one
 * whole in memory. Every file lives only for one `withFile` call and is removed when it returns or
 * throws; names are random, so processes and concurrent messages may share the directory.
 */
export class ScratchDirectory {
  constructor(readonly path: string) {}

  async withFile<T>(use: (file: string) => Promise<T>): Promise<T> {
    // Owner-only: the files are users' originals, before anyone has judged them.
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    const file = join(this.path, `${randomUUID()}.original`);
    try {
      return await use(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** The files in use now (for tests and diagnostics); none when the directory does not exist. */
  async files(): Promise<string[]> {
    try {
      return (await readdir(this.path)).filter((name) => name.endsWith('.original'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

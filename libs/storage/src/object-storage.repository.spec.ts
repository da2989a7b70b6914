import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObjectStorageRepository } from './object-storage.repository';
import { ScratchDirectory } from './scratch-directory';

const CHUNK = 64 * 1024;

/**
 * An S3 whose GetObject answers a body that does not stop (no Content-Length to go by), counting
 * the chunks the reader pulled: downloadVerified must stop on the bytes themselves.
 */
function endlessS3(failAfterChunks?: number): { s3: S3Client; pulled: () => number } {
  let pulled = 0;
  const body = Readable.from(
    (function* () {
      for (;;) {
        if (failAfterChunks !== undefined && pulled === failAfterChunks) throw new Error('socket hang up');
        pulled++;
        yield Buffer.alloc(CHUNK, 1);
      }
    })(),
  );
  const s3 = { send: async () => ({ Body: body, ETag: '"e"' }) } as unknown as S3Client;
  return { s3, pulled: () => pulled };
}

describe('ObjectStorageRepository.downloadVerified (bounded streaming)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'download-bounded-'));
  const scratch = new ScratchDirectory(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops reading a body that runs past maxBytes, and leaves no file', async () => {
    const { s3, pulled } = endlessS3();
    const storage = new ObjectStorageRepository(s3);
    const download = await storage.downloadVerified(
      { bucket: 'b', key: 'k', eTag: 'e', maxBytes: 10 * CHUNK },
      scratch,
      async (d) => d,
    );
    expect(download).toEqual({ status: 'too-large', bytes: 11 * CHUNK });
    // A little read-ahead of the stream machinery, never the body: it has no end.
    expect(pulled()).toBeLessThan(40);
    expect(await scratch.files()).toEqual([]);
  });

  it('reports a body that fails mid-way as a retryable dependency error, and removes the partial file', async () => {
    const { s3 } = endlessS3(3);
    const storage = new ObjectStorageRepository(s3);
    let called = false;
    await expect(
      storage.downloadVerified({ bucket: 'b', key: 'k', eTag: 'e', maxBytes: 100 * CHUNK }, scratch, async (d) => {
        called = true;
        return d;
      }),
    ).rejects.toMatchObject({ code: 'dependency-unavailable', retryable: true });
    expect(called).toBe(false);
    expect(await scratch.files()).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });

  it('names the scratch directory, not S3, as the unavailable dependency when the file cannot be written', async () => {
    const { s3 } = endlessS3();
    const storage = new ObjectStorageRepository(s3);
    const unwritable = {
      withFile: <T>(use: (file: string) => Promise<T>) => use(join(dir, 'no-such-directory', 'original')),
    } as ScratchDirectory;
    await expect(
      storage.downloadVerified(
        { bucket: 'b', key: 'k', eTag: 'e', maxBytes: 1000 * CHUNK },
        unwritable,
        async (d) => d,
      ),
    ).rejects.toMatchObject({
      code: 'dependency-unavailable',
      retryable: true,
      detail: expect.stringContaining('scratch directory'),
    });
  });

  describe('with the complete body already read', () => {
    const body = Buffer.from('the whole small object');
    const noS3 = { send: jest.fn(async () => Promise.reject(new Error('no request expected'))) };
    const storage = new ObjectStorageRepository(noS3 as unknown as S3Client);

    it('spools and hashes it without a second GET', async () => {
      let content: Buffer | undefined;
      const download = await storage.downloadVerified(
        { bucket: 'b', key: 'k', eTag: 'e', maxBytes: body.length, complete: body },
        scratch,
        async (d) => {
          if (d.status === 'downloaded') content = readFileSync(d.file);
          return d;
        },
      );
      expect(download).toMatchObject({
        status: 'downloaded',
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('base64'),
      });
      expect(content?.equals(body)).toBe(true);
      expect(noS3.send).not.toHaveBeenCalled();
      expect(await scratch.files()).toEqual([]);
    });

    it('still refuses it when it is larger than allowed, writing nothing', async () => {
      const download = await storage.downloadVerified(
        { bucket: 'b', key: 'k', eTag: 'e', maxBytes: body.length - 1, complete: body },
        scratch,
        async (d) => d,
      );
      expect(download).toEqual({ status: 'too-large', bytes: 0 });
      expect(noS3.send).not.toHaveBeenCalled();
      expect(await scratch.files()).toEqual([]);
    });
  });
});

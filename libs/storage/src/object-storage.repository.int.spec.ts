import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { testAws, uniqueName } from '@lib/testing';
import { ObjectStorageRepository, VerifiedDownload } from './object-storage.repository';
import { createS3Client } from './s3-client.factory';
import { ScratchDirectory } from './scratch-directory';

describe('ObjectStorageRepository against the S3 emulator', () => {
  const s3 = createS3Client(testAws());
  const storage = new ObjectStorageRepository(s3);
  const bucket = uniqueName('storage');
  const body = Buffer.from('0123456789abcdefghij');

  beforeAll(() => s3.send(new CreateBucketCommand({ Bucket: bucket })));
  afterAll(() => s3.destroy());

  it('puts, heads and reads byte ranges of an object', async () => {
    const eTag = await storage.put(bucket, 'a/b c', body, 'text/plain');
    const head = await storage.head(bucket, 'a/b c');
    expect(head).toMatchObject({ size: body.length, eTag, contentType: 'text/plain' });
    expect((await storage.readRange(bucket, 'a/b c', 0, 3))!.toString()).toBe('0123');
    expect((await storage.readRange(bucket, 'a/b c', 16, 19))!.toString()).toBe('ghij');
  });

  it('reads the metadata and the first bytes in one request, of short, long and empty objects', async () => {
    const eTag = await storage.put(bucket, 'start/long', body, 'image/png');
    expect(await storage.readStart(bucket, 'start/long', 4)).toEqual({
      head: expect.objectContaining({ size: body.length, eTag, contentType: 'image/png' }),
      start: Buffer.from('0123'),
    });
    expect((await storage.readStart(bucket, 'start/long', 1024))?.start).toEqual(body);
    const emptyTag = await storage.put(bucket, 'start/empty', Buffer.alloc(0), 'image/jpeg');
    expect(await storage.readStart(bucket, 'start/empty', 1024)).toEqual({
      head: expect.objectContaining({ size: 0, eTag: emptyTag }),
      start: Buffer.alloc(0),
    });
    expect(await storage.readStart(bucket, 'start/missing', 1024)).toBeNull();
  });

  it('answers null for a missing object and treats deleting one as success', async () => {
    expect(await storage.head(bucket, 'missing')).toBeNull();
    expect(await storage.readRange(bucket, 'missing', 0, 1)).toBeNull();
    await expect(storage.delete(bucket, 'missing')).resolves.toBeUndefined();
  });

  it('moves an object under another key', async () => {
    await storage.put(bucket, 'originals/u/x', body, 'image/jpeg');
    await storage.move(bucket, 'originals/u/x', { bucket, key: 'quarantine/originals/u/x' });
    expect(await storage.head(bucket, 'originals/u/x')).toBeNull();
    expect((await storage.head(bucket, 'quarantine/originals/u/x'))?.size).toBe(body.length);
  });

  it('creates, lists the parts of, finds and aborts multipart uploads; a gone upload lists as null and aborts as success', async () => {
    const key = 'originals/u/mp';
    const uploadId = await storage.createMultipartUpload(bucket, key, 'image/png');
    const other = await storage.createMultipartUpload(bucket, key, 'image/png');
    await storage.createMultipartUpload(bucket, 'originals/u/mp-longer', 'image/png');
    expect(await storage.listParts(bucket, key, uploadId)).toEqual([]);
    for (const n of [2, 1]) {
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body }));
    }
    expect(await storage.listParts(bucket, key, uploadId)).toEqual([
      { partNumber: 1, size: body.length, eTag: expect.stringMatching(/^[0-9a-f]{32}$/) },
      { partNumber: 2, size: body.length, eTag: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    const open = await storage.listMultipartUploads(bucket, key);
    expect(
      open
        .filter((u) => u.key === key)
        .map((u) => u.uploadId)
        .sort(),
    ).toEqual([uploadId, other].sort());
    expect(open.map((u) => u.key)).toContain('originals/u/mp-longer');
    await storage.abortMultipartUpload(bucket, key, uploadId);
    await storage.abortMultipartUpload(bucket, key, uploadId);
    expect(await storage.listParts(bucket, key, uploadId)).toBeNull();
    expect((await storage.listMultipartUploads(bucket, key)).map((u) => u.uploadId)).not.toContain(uploadId);
  });

  it('wraps an unreachable S3 as a retryable dependency error', async () => {
    const offline = new ObjectStorageRepository(
      createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true }),
    );
    await expect(offline.head(bucket, 'x')).rejects.toMatchObject({ code: 'dependency-unavailable', retryable: true });
  });

  it('lists keys under a prefix page by page and deletes them in bulk, a missing key being success', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `bulk/u1/${i}`);
    await Promise.all(keys.map((key) => storage.put(bucket, key, body, 'text/plain')));
    await storage.put(bucket, 'bulk/u10/other', body, 'text/plain');
    const first = await storage.listKeys(bucket, 'bulk/u1/', undefined, 3);
    expect(first.keys).toHaveLength(3);
    const second = await storage.listKeys(bucket, 'bulk/u1/', first.nextToken, 3);
    expect([...first.keys, ...second.keys].sort()).toEqual(keys);
    expect(second.nextToken).toBeUndefined();
    expect(await storage.deleteMany(bucket, [...keys, 'bulk/u1/never-existed'])).toEqual([]);
    expect((await storage.listKeys(bucket, 'bulk/u1/')).keys).toEqual([]);
    expect((await storage.listKeys(bucket, 'bulk/u10/')).keys).toEqual(['bulk/u10/other']);
    await expect(storage.deleteMany(bucket, Array.from({ length: 1001 }, String))).rejects.toThrow(RangeError);
  });

  describe('downloadVerified', () => {
    const dir = mkdtempSync(join(tmpdir(), 'download-verified-'));
    const scratch = new ScratchDirectory(join(dir, 'originals'));
    const large = randomBytes(3 * 1024 * 1024 + 17);
    let eTag: string;

    beforeAll(async () => {
      eTag = await storage.put(bucket, 'dv/large', large, 'image/png');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('streams the pinned version into a scratch file, hashes it, and removes the file afterwards', async () => {
      let seen: { file: string; content: Buffer } | undefined;
      const download = await storage.downloadVerified(
        { bucket, key: 'dv/large', eTag, maxBytes: large.length },
        scratch,
        async (d) => {
          if (d.status === 'downloaded') seen = { file: d.file, content: readFileSync(d.file) };
          return d;
        },
      );
      expect(download).toMatchObject({
        status: 'downloaded',
        bytes: large.length,
        sha256: createHash('sha256').update(large).digest('base64'),
      });
      expect(seen!.content.equals(large)).toBe(true);
      expect(seen!.file.startsWith(scratch.path)).toBe(true);
      expect(existsSync(seen!.file)).toBe(false);
      expect(await scratch.files()).toEqual([]);
    });

    it('refuses an object larger than allowed without spooling it', async () => {
      const download = await storage.downloadVerified(
        { bucket, key: 'dv/large', eTag, maxBytes: 1024 * 1024 },
        scratch,
        async (d) => d,
      );
      expect(download).toEqual({ status: 'too-large', bytes: expect.any(Number) });
      expect((download as { bytes: number }).bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(await scratch.files()).toEqual([]);
    });

    it("answers 'changed' for another version than the pinned ETag, and 'missing' for a gone object", async () => {
      const other = createHash('md5').update('other').digest('hex');
      const outcomes: VerifiedDownload[] = [];
      for (const object of [
        { bucket, key: 'dv/large', eTag: other, maxBytes: large.length },
        { bucket, key: 'dv/gone', eTag, maxBytes: large.length },
      ]) {
        outcomes.push(await storage.downloadVerified(object, scratch, async (d) => d));
      }
      expect(outcomes).toEqual([{ status: 'changed' }, { status: 'missing' }]);
      expect(await scratch.files()).toEqual([]);
    });

    it('removes the file when the consumer throws', async () => {
      let file = '';
      await expect(
        storage.downloadVerified({ bucket, key: 'dv/large', eTag, maxBytes: large.length }, scratch, async (d) => {
          if (d.status === 'downloaded') file = d.file;
          throw new Error('decoder failed');
        }),
      ).rejects.toThrow('decoder failed');
      expect(file).not.toBe('');
      expect(existsSync(file)).toBe(false);
      expect(await scratch.files()).toEqual([]);
    });
  });
});

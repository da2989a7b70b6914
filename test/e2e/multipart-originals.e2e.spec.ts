import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { makeJpeg, makeNoisePng, waitFor } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const SECRET = 'multipart-originals-render-secret-0000000000';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

/**
 * Large originals through the real API, LocalStack, worker and PostgreSQL: the worker and the
 * render route spool originals to ORIGINALS_TEMP_DIR and decode the file (never a buffer of the
 * whole object), check the whole object's SHA-256 against the declared one — multipart objects
 * too, for which S3 keeps none — and never read past the declared size.
 */
describe('large originals (multipart) read from scratch files', () => {
  let stack: TestStack;
  let client: ApiClient;
  let scratch: string;
  let large: Buffer;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'originals-e2e-'));
    stack = await startTestStack({
      env: {
        ORIGINALS_TEMP_DIR: scratch,
        MULTIPART_PART_SIZE_BYTES: String(PART),
        RENDER_SIGNING_SECRET: SECRET,
        RENDER_SIZE_LADDER: '300,4096',
        UPLOAD_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
    client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'originals-olga'));
    // 3,600 × 3,400 random pixels: about 36.7 MB (8 parts of 5 MiB), 12.2 MP — under the pixel bound.
    large = await makeNoisePng(3600, 3400);
  }, 120_000);
  afterAll(async () => {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /**
   * Every scratch file is removed once its reader is done; the sweep's rendition pass may still be
   * reading the original after READY, so this waits for the directory to empty (and fails if a
   * file stays behind).
   */
  async function expectScratchEmptied(): Promise<void> {
    await waitFor(async () => (readdirSync(scratch).length === 0 ? true : undefined), {
      what: 'the scratch directory to empty',
      timeoutMs: 30_000,
    });
    expect(readdirSync(scratch)).toEqual([]);
  }

  it('a ~37 MB PNG uploaded in parts, with its declared whole-object SHA-256, becomes READY', async () => {
    expect(large.length).toBeGreaterThan(7 * PART);
    const { session, completion } = await client.uploadInParts(large, 'image/png', { checksumSha256: sha256(large) });
    expect(session.multipart.partCount).toBe(Math.ceil(large.length / PART));
    expect(completion.status).toBe(200);
    const settled = await client.settled(session.uploadId, 90_000);
    expect(settled).toMatchObject({ status: 'READY', image: { width: 3600, height: 3400, bytes: large.length } });
    // The served thumbnail is the worker's, decoded from the spooled file.
    const served = await client.withThumbnail(session.uploadId);
    const thumbnail = await fetch(served.image!.thumbnailUrl!);
    expect(await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).toMatchObject({ format: 'webp' });
    await expectScratchEmptied();
  }, 180_000);

  it('renders the large original from a scratch file, not from memory, and removes the file', async () => {
    const upload = await client.uploadInParts(large, 'image/png');
    const settled = await client.settled(upload.session.uploadId, 90_000);
    expect(settled.status).toBe('READY');
    const minted = await client.request('POST', `/v1/images/${settled.image!.id}/render-url`, {
      width: 300,
      format: 'webp',
    });
    expect(minted.status).toBe(200);
    const { url } = (await minted.json()) as { url: string };
    const parsed = new URL(url);
    const response = await fetch(`${stack.apiUrl}${parsed.pathname}${parsed.search}`);
    expect(response.status).toBe(200);
    const rendered = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect(rendered).toMatchObject({ format: 'webp', width: 300, height: Math.round((300 * 3400) / 3600) });
    // Above RENDER_ORIGINAL_MEMORY_MAX_MB (32): read into a file, and so never into the cache.
    const metrics = await (await fetch(stack.apiMetricsUrl)).text();
    expect(metrics).toMatch(/render_original_reads_total\{source="file"\} 1\b/);
    expect(metrics).not.toMatch(/render_original_reads_total\{source="(s3|cache)"\}/);
    await expectScratchEmptied();
  }, 180_000);

  it('a multipart upload whose bytes differ from the declared SHA-256 ends REJECTED checksum-mismatch', async () => {
    const png = await makeNoisePng(1900, 1900);
    const { session, completion } = await client.uploadInParts(png, 'image/png', {
      checksumSha256: sha256(Buffer.concat([png, Buffer.from('other bytes')])),
    });
    // S3 keeps no whole-object SHA-256 of a multipart upload: it completes, and the worker judges.
    expect(completion.status).toBe(200);
    const settled = await client.settled(session.uploadId, 60_000);
    expect(settled).toMatchObject({ status: 'REJECTED', rejection: { code: 'checksum-mismatch' } });
    expect(settled.rejection!.detail).toContain(sha256(png));
    const head = stack.s3.send(new HeadObjectCommand({ Bucket: stack.resources.originalsBucket, Key: session.key }));
    await expect(head).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await expectScratchEmptied();
  }, 120_000);

  it('an object larger than declared ends REJECTED too-large, never READY', async () => {
    const declared = await makeJpeg(400, 300);
    const session = await client.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', size: declared.length });
    // Written past the presigned PUT (which S3 would refuse): the worker must not trust S3's side alone.
    const bigger = await makeJpeg(1600, 1200);
    expect(bigger.length).toBeGreaterThan(declared.length);
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.resources.originalsBucket,
        Key: session.key,
        Body: bigger,
        ContentType: 'image/jpeg',
      }),
    );
    const settled = await client.settled(session.uploadId, 60_000);
    expect(settled).toMatchObject({ status: 'REJECTED', rejection: { code: 'too-large' } });
    expect(settled.rejection!.detail).toBe(`Declared ${declared.length} bytes but the object has ${bigger.length}.`);
    await expectScratchEmptied();
  }, 120_000);
});

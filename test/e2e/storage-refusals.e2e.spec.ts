import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { makeJpeg } from '@lib/testing';
import { ApiClient, PresignedPut, UploadSession } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

/** S3's error code from an XML error body (`<Code>…</Code>`). */
async function refusal(response: Response): Promise<{ status: number; code: string | undefined }> {
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] };
}

function withUrl(target: PresignedPut, change: (url: URL) => void): PresignedPut {
  const url = new URL(target.url);
  change(url);
  return { ...target, url: url.toString() };
}

/**
 * What the design rests on, seen rather than read off a URL: the emulator (LocalStack, with
 * SigV4 verification on, as S3 always has it) refuses every PUT through the API's own presigned
 * URLs except the exact body that was declared, once. The URL-level unit tests of the signer stay
 * beside these (libs/storage/src/url-signer.spec.ts).
 */
describe('presigned upload URLs, as the object store enforces them', () => {
  const TTL_SECONDS = 30;
  let client: ApiClient;
  let jpeg: Buffer;
  let checksum: string;
  /** Issued first, PUT last, after its lifetime: the expired-URL case. */
  let early: UploadSession;

  const e2e = useTestStack({
    worker: false,
    forwarder: false,
    env: { UPLOAD_URL_TTL_SECONDS: String(TTL_SECONDS) },
  });
  beforeAll(async () => {
    client = await e2e.client('refusals-rita');
    jpeg = await makeJpeg(320, 240);
    checksum = createHash('sha256').update(jpeg).digest('base64');
    early = await declare();
  });

  async function declare(extra: object = {}, idempotencyKey?: string): Promise<UploadSession> {
    const body = { filename: 'photo.jpg', contentType: 'image/jpeg', size: jpeg.length, checksumSha256: checksum };
    if (!idempotencyKey) return client.createUpload({ ...body, ...extra });
    const response = await client.request(
      'POST',
      '/v1/uploads',
      { ...body, ...extra },
      { 'idempotency-key': idempotencyKey },
    );
    expect(response.status).toBe(201);
    return (await response.json()) as UploadSession;
  }

  const put = (target: PresignedPut, body: Buffer, headers: Record<string, string> = target.headers) =>
    fetch(target.url, { method: 'PUT', headers, body: new Uint8Array(body) });

  const keyOf = (target: PresignedPut) =>
    decodeURIComponent(new URL(target.url).pathname.split('/').slice(2).join('/'));

  async function stored(target: PresignedPut): Promise<Buffer | undefined> {
    try {
      const object = await e2e.stack.s3.send(
        new GetObjectCommand({ Bucket: e2e.stack.resources.originalsBucket, Key: keyOf(target) }),
      );
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  it('accepts the exact declared body with the listed headers, and stores those bytes', async () => {
    const session = await declare();
    expect((await put(session.original, jpeg)).status).toBe(200);
    expect((await stored(session.original))!.equals(jpeg)).toBe(true);
  });

  it.each([
    [
      'a tampered signature',
      (t: PresignedPut) =>
        withUrl(t, (url) => {
          const signature = url.searchParams.get('X-Amz-Signature')!;
          url.searchParams.set('X-Amz-Signature', (signature[0] === '0' ? '1' : '0') + signature.slice(1));
        }),
    ],
    [
      'the path changed to another key',
      (t: PresignedPut) => withUrl(t, (url) => (url.pathname = url.pathname.replace(/[^/]+$/, randomUUID()))),
    ],
    ['a raised X-Amz-Expires', (t: PresignedPut) => withUrl(t, (url) => url.searchParams.set('X-Amz-Expires', '3600'))],
  ])('refuses %s (403 SignatureDoesNotMatch) and stores nothing', async (_name, tamper) => {
    const session = await declare();
    const target = tamper(session.original);
    expect(await refusal(await put(target, jpeg))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await stored(target)).toBeUndefined();
    expect(await stored(session.original)).toBeUndefined();
  });

  it('refuses a body one byte longer than the signed Content-Length', async () => {
    const session = await declare({ checksumSha256: undefined });
    const longer = Buffer.concat([jpeg, Buffer.from([0xd9])]);
    expect(await refusal(await put(session.original, longer))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await stored(session.original)).toBeUndefined();
  });

  it('refuses another Content-Type than the signed one', async () => {
    const session = await declare();
    const headers = { ...session.original.headers, 'content-type': 'image/png' };
    expect(await refusal(await put(session.original, jpeg, headers))).toEqual({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(await stored(session.original)).toBeUndefined();
  });

  it('refuses a body of the declared length whose SHA-256 is not the signed checksum (400 BadDigest)', async () => {
    const session = await declare();
    const other = Buffer.from(jpeg);
    other[other.length - 3] ^= 0xff;
    expect(await refusal(await put(session.original, other))).toEqual({ status: 400, code: 'BadDigest' });
    expect(await stored(session.original)).toBeUndefined();
  });

  it.each(['content-type', 'if-none-match', 'x-amz-checksum-sha256'])(
    'refuses a PUT that leaves the signed header %s out',
    async (left) => {
      const session = await declare();
      const headers = Object.fromEntries(Object.entries(session.original.headers).filter(([name]) => name !== left));
      expect(Object.keys(headers)).toHaveLength(Object.keys(session.original.headers).length - 1);
      expect(await refusal(await put(session.original, jpeg, headers))).toEqual({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
      expect(await stored(session.original)).toBeUndefined();
    },
  );

  it('takes one write per key: a second PUT, by the same URL or a replayed session, is refused with 412', async () => {
    const session = await declare({}, 'refusals-once');
    expect((await put(session.original, jpeg)).status).toBe(200);
    const { ETag } = await e2e.stack.s3.send(
      new HeadObjectCommand({ Bucket: e2e.stack.resources.originalsBucket, Key: keyOf(session.original) }),
    );

    // The same URL again, and the new URL a replay of the same request (Idempotency-Key) signs
    // for the same key: both are second writes.
    expect(await refusal(await put(session.original, jpeg))).toEqual({ status: 412, code: 'PreconditionFailed' });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // X-Amz-Date has whole seconds
    const replayed = await declare({}, 'refusals-once');
    expect(replayed.uploadId).toBe(session.uploadId);
    expect(keyOf(replayed.original)).toBe(keyOf(session.original));
    expect(replayed.original.url).not.toBe(session.original.url);
    expect(await refusal(await put(replayed.original, jpeg))).toEqual({ status: 412, code: 'PreconditionFailed' });

    const head = await e2e.stack.s3.send(
      new HeadObjectCommand({ Bucket: e2e.stack.resources.originalsBucket, Key: keyOf(session.original) }),
    );
    expect(head.ETag).toBe(ETag);
  });

  it('refuses the thumbnail URL a second time as well', async () => {
    const thumbnail = await makeJpeg(64, 48);
    const session = await declare({ thumbnail: { contentType: 'image/jpeg', size: thumbnail.length } });
    expect((await put(session.thumbnail!, thumbnail)).status).toBe(200);
    expect(await refusal(await put(session.thumbnail!, thumbnail))).toEqual({
      status: 412,
      code: 'PreconditionFailed',
    });
  });

  it('refuses a URL used after its lifetime (403 AccessDenied), and stores nothing', async () => {
    const expiresIn = Number(new URL(early.original.url).searchParams.get('X-Amz-Expires'));
    expect(expiresIn).toBeLessThanOrEqual(TTL_SECONDS);
    const wait = Date.parse(early.expiresAt) + 1_500 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    expect(await refusal(await put(early.original, jpeg))).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await stored(early.original)).toBeUndefined();
  }, 60_000);
});

import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { PrismaService } from '@lib/database';
import { makeJpeg, makeNoisePng, waitFor } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { testPrisma } from '../support/database';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

interface MultipartSession {
  uploadId: string;
  expiresAt: string;
  key: string;
  original?: { method: string; url: string; headers: Record<string, string> };
  multipart?: { key: string; uploadId: string; partSize: number; partCount: number; expiresAt: string };
}

interface Signed {
  method: string;
  url: string;
  headers: Record<string, string>;
  key: string;
}

/** S3's error code from an XML error body (`<Code>…</Code>`). */
async function s3Refusal(response: Response): Promise<{ status: number; code: string | undefined }> {
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] };
}

/**
 * Multipart uploads through the real API, LocalStack (SigV4 verified, as S3) and PostgreSQL, the
 * way @uppy/aws-s3 drives them: POST /v1/uploads creates the session; every S3 request is signed
 * by POST /v1/uploads/sign with the body Uppy's signRequest hook receives.
 */
describe('multipart uploads', () => {
  let stack: TestStack;
  let client: ApiClient;
  let other: ApiClient;
  let prisma: PrismaService;
  let png: Buffer;

  beforeAll(async () => {
    stack = await startTestStack({
      ownDatabase: true,
      env: {
        MULTIPART_PART_SIZE_BYTES: String(PART),
        MULTIPART_THRESHOLD_BYTES: String(8 * MiB),
        SWEEP_INTERVAL_SECONDS: '1',
        UPLOAD_EXPIRY_GRACE_SECONDS: '0',
        UPLOAD_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
    client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'multipart-maya'));
    other = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'multipart-otto'));
    prisma = testPrisma(stack.env.DATABASE_URL);
    // 1,900 × 1,900 random pixels: about 10.8 MB, three parts of 5 MiB (the last shorter).
    png = await makeNoisePng(1900, 1900);
  }, 120_000);
  afterAll(async () => {
    await prisma.$disconnect();
    await stack.stop();
  });

  async function start(body: object, as = client): Promise<MultipartSession> {
    const response = await as.request('POST', '/v1/uploads', body);
    expect(response.status).toBe(201);
    return (await response.json()) as MultipartSession;
  }

  const startPng = (extra: object = {}) =>
    start({ filename: 'noise.png', contentType: 'image/png', size: png.length, ...extra });

  async function sign(body: unknown, as = client): Promise<Signed> {
    const response = await as.request('POST', '/v1/uploads/sign', body);
    if (response.status !== 200) throw new Error(`sign: ${response.status} ${await response.text()}`);
    return (await response.json()) as Signed;
  }

  async function signProblem(body: unknown, as = client) {
    const response = await as.request('POST', '/v1/uploads/sign', body);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as { code: string; detail: string; errors?: { field: string }[] },
    };
  }

  const partOf = (session: MultipartSession, n: number, bytes = png) =>
    bytes.subarray((n - 1) * session.multipart!.partSize, n * session.multipart!.partSize);

  /** Sends one part as a browser would (only the listed headers); resolves to the ETag. */
  async function putPart(session: MultipartSession, n: number, extra: object = {}): Promise<string> {
    const signed = await sign({
      method: 'PUT',
      key: session.key,
      uploadId: session.multipart!.uploadId,
      partNumber: n,
      ...extra,
    });
    const response = await fetch(signed.url, {
      method: 'PUT',
      headers: signed.headers,
      body: new Uint8Array(partOf(session, n)),
    });
    expect(response.status).toBe(200);
    return response.headers.get('etag')!;
  }

  async function listParts(session: MultipartSession): Promise<{ status: number; parts: Array<[number, string]> }> {
    const signed = await sign({ method: 'GET', key: session.key, uploadId: session.multipart!.uploadId });
    expect(signed.method).toBe('GET');
    const response = await fetch(signed.url, { headers: signed.headers });
    const xml = await response.text();
    const parts = [...xml.matchAll(/<Part>(.*?)<\/Part>/gs)].map(([, part]) => {
      const number = Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(part!)![1]);
      const eTag = /<ETag>([^<]+)<\/ETag>/.exec(part!)![1]!.replace(/&quot;/g, '"');
      return [number, eTag] as [number, string];
    });
    return { status: response.status, parts };
  }

  const signComplete = (session: MultipartSession) =>
    sign({ method: 'POST', key: session.key, uploadId: session.multipart!.uploadId });

  async function complete(
    session: MultipartSession,
    parts: Array<[number, string]>,
    signed?: Signed,
  ): Promise<Response> {
    signed ??= await signComplete(session);
    expect(signed.headers).toEqual({ 'if-none-match': '*', 'x-amz-mp-object-size': String(png.length) });
    const xml =
      '<CompleteMultipartUpload>' +
      parts.map(([n, eTag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${eTag}</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    return fetch(signed.url, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...signed.headers },
      body: xml,
    });
  }

  it('offers a session above the threshold: S3 upload id, part size and count, key; and the single PUT while allowed', async () => {
    const session = await startPng();
    expect(png.length).toBeGreaterThan(2 * PART);
    expect(session.multipart).toEqual({
      key: session.key,
      uploadId: expect.any(String),
      partSize: PART,
      partCount: Math.ceil(png.length / PART),
      expiresAt: session.expiresAt,
    });
    expect(session.key).toMatch(new RegExp(`^originals/[0-9a-f]{32}/${session.uploadId}$`));
    // Still within UPLOAD_MAX_BYTES: the single PUT is offered too, for clients that ignore `multipart`.
    expect(new URL(session.original!.url).pathname).toContain(session.key);
    const row = await prisma.upload.findUniqueOrThrow({ where: { id: session.uploadId } });
    expect(row).toMatchObject({
      multipartUploadId: session.multipart!.uploadId,
      multipartPartSize: PART,
      multipartPartCount: session.multipart!.partCount,
    });
    // Below the threshold, only when asked for; `multipart: false` refuses one.
    const small = await start({ filename: 'a.jpg', contentType: 'image/jpeg', size: 1000 });
    expect(small.multipart).toBeUndefined();
    expect(small.key).toBe(new URL(small.original!.url).pathname.split('/').slice(2).join('/'));
    const asked = await start({ filename: 'a.jpg', contentType: 'image/jpeg', size: 1000, multipart: true });
    expect(asked.multipart).toMatchObject({ partSize: PART, partCount: 1 });
    expect((await startPng({ multipart: false })).multipart).toBeUndefined();
    // Above UPLOAD_MAX_BYTES (25 MiB) only when asked: then there is no single PUT, and none is signed.
    const large = { filename: 'big.png', contentType: 'image/png', size: 30 * MiB };
    const refused = await client.request('POST', '/v1/uploads', large);
    expect(refused.status).toBe(400);
    const big = await start({ ...large, multipart: true });
    expect(big.original).toBeUndefined();
    expect(big.multipart).toMatchObject({ partSize: PART, partCount: 6 });
    expect((await signProblem({ method: 'PUT', key: big.key })).status).toBe(409);
  });

  it('answers an Idempotency-Key replay with the same session (same S3 upload id)', async () => {
    const body = { filename: 'noise.png', contentType: 'image/png', size: png.length };
    const send = () => client.request('POST', '/v1/uploads', body, { 'idempotency-key': 'multipart-once' });
    const first = (await (await send()).json()) as MultipartSession;
    const again = (await (await send()).json()) as MultipartSession;
    expect(again.uploadId).toBe(first.uploadId);
    expect(again.multipart).toEqual(first.multipart);
    expect(again.key).toBe(first.key);
  });

  it("signs Uppy's PutObject request as Uppy sends it ({method: 'PUT', key, contentType}): the single PUT, stored and READY", async () => {
    const jpeg = await makeJpeg(320, 240);
    const session = await start({
      filename: 'small.jpg',
      contentType: 'image/jpeg',
      size: jpeg.length,
      multipart: false,
    });
    expect(session.multipart).toBeUndefined();
    const signed = await sign({ method: 'PUT', key: session.key, contentType: 'image/jpeg' });
    expect(signed).toEqual({
      method: 'PUT',
      url: expect.any(String),
      headers: session.original!.headers,
      key: session.key,
    });
    expect(new URL(signed.url).pathname).toContain(session.key);
    const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(jpeg) });
    expect(put.status).toBe(200);
    expect(await client.settled(session.uploadId, 60_000)).toMatchObject({ status: 'READY', image: { width: 320 } });
  }, 120_000);

  it('takes a real PNG in parts — sign, PUT each, list, complete — and the worker makes it READY', async () => {
    const session = await startPng();
    const { partCount } = session.multipart!;
    const eTags: Array<[number, string]> = [];
    for (let n = 1; n <= partCount; n++) eTags.push([n, await putPart(session, n)]);
    const listed = await listParts(session);
    expect(listed.parts.map(([n]) => n)).toEqual(eTags.map(([n]) => n));
    const response = await complete(session, listed.parts);
    expect(response.status).toBe(200);
    const settled = await client.settled(session.uploadId, 60_000);
    expect(settled).toMatchObject({ status: 'READY', image: { width: 1900, height: 1900, bytes: png.length } });
    const head = await stack.s3.send(
      new HeadObjectCommand({ Bucket: stack.resources.originalsBucket, Key: session.key }),
    );
    // A multipart object's ETag names its part count.
    expect(head.ETag).toMatch(new RegExp(`-${partCount}"$`));
    // READY: nothing more is signed for it.
    expect(
      (await signProblem({ method: 'PUT', key: session.key, uploadId: session.multipart!.uploadId, partNumber: 1 }))
        .status,
    ).toBe(409);
  }, 120_000);

  it('resumes: ListParts tells which parts S3 holds, and only the missing ones are sent', async () => {
    const session = await startPng();
    const first = await putPart(session, 1);
    // The client goes away; later, knowing only {key, uploadId} (Uppy's s3Multipart state), it lists the parts.
    const listed = await listParts(session);
    expect(listed).toEqual({ status: 200, parts: [[1, first]] });
    const sent: number[] = [];
    const eTags = new Map(listed.parts);
    for (let n = 1; n <= session.multipart!.partCount; n++) {
      if (eTags.has(n)) continue;
      eTags.set(n, await putPart(session, n));
      sent.push(n);
    }
    expect(sent).toEqual([2, 3].slice(0, session.multipart!.partCount - 1));
    expect(
      (
        await complete(
          session,
          [...eTags].sort(([a], [b]) => a - b),
        )
      ).status,
    ).toBe(200);
    expect((await client.settled(session.uploadId, 60_000)).status).toBe('READY');
  }, 120_000);

  describe('what LocalStack refuses of a part URL', () => {
    // Two parts: 5 MiB and 1,000 bytes. The refused requests send the short one (LocalStack
    // answers a refusal before reading a long body, which leaves the connection unusable).
    const bytes = randomBytes(PART + 1000);
    let a: MultipartSession;
    let b: MultipartSession;
    let url: URL;
    const body = () => new Uint8Array(partOf(a, 2, bytes));

    beforeAll(async () => {
      const declare = () => start({ filename: 'a.png', contentType: 'image/png', size: bytes.length, multipart: true });
      [a, b] = [await declare(), await declare()];
      expect(a.multipart).toMatchObject({ partSize: PART, partCount: 2 });
      url = new URL((await sign({ method: 'PUT', key: a.key, uploadId: a.multipart!.uploadId, partNumber: 2 })).url);
    });

    it.each([
      ["another session's S3 upload id", (u: URL) => u.searchParams.set('uploadId', b.multipart!.uploadId)],
      ['another key', (u: URL) => (u.pathname = u.pathname.replace(a.key, b.key))],
      ['another part number', (u: URL) => u.searchParams.set('partNumber', '1')],
      ['a raised lifetime', (u: URL) => u.searchParams.set('X-Amz-Expires', '3600')],
    ])('refuses it used for %s (403 SignatureDoesNotMatch)', async (_name, tamper) => {
      const tampered = new URL(url);
      tamper(tampered);
      expect(tampered.toString()).not.toBe(url.toString());
      expect(await s3Refusal(await fetch(tampered, { method: 'PUT', body: body() }))).toEqual({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    });

    it('refuses a part body one byte longer or shorter than the signed length, and takes the exact one', async () => {
      const part = partOf(a, 2, bytes);
      for (const wrong of [Buffer.concat([part, Buffer.from([0])]), part.subarray(1)]) {
        expect(await s3Refusal(await fetch(url, { method: 'PUT', body: new Uint8Array(wrong) }))).toEqual({
          status: 403,
          code: 'SignatureDoesNotMatch',
        });
      }
      expect((await listParts(a)).parts).toEqual([]);
      expect((await fetch(url, { method: 'PUT', body: body() })).status).toBe(200);
      expect((await listParts(a)).parts.map(([n]) => n)).toEqual([2]);
    });

    it("checks a part's signed x-amz-checksum-sha256 (400 BadDigest for other bytes of the same length)", async () => {
      const part = partOf(b, 2, bytes);
      const checksum = createHash('sha256').update(part).digest('base64');
      const signed = await sign({
        method: 'PUT',
        key: b.key,
        uploadId: b.multipart!.uploadId,
        partNumber: 2,
        checksumSha256: checksum,
      });
      expect(signed.headers).toEqual({ 'x-amz-checksum-sha256': checksum });
      const other = Buffer.from(part);
      other[100] ^= 0xff;
      const refused = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(other) });
      expect(await s3Refusal(refused)).toEqual({ status: 400, code: 'BadDigest' });
      const taken = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(part) });
      expect(taken.status).toBe(200);
    });
  });

  describe('a completion that would not make the declared object', () => {
    it('is refused by the API while parts are missing, naming them', async () => {
      const session = await startPng();
      await putPart(session, 1);
      const refused = await signProblem({ method: 'POST', key: session.key, uploadId: session.multipart!.uploadId });
      expect(refused.status).toBe(409);
      expect(refused.type).toContain('application/problem+json');
      expect(refused.body.detail).toMatch(/missing parts 2-3/);
    });

    it('is refused by S3 when the client completes with fewer parts than it signed for (x-amz-mp-object-size), never READY', async () => {
      const session = await startPng();
      const eTags: Array<[number, string]> = [];
      for (let n = 1; n <= session.multipart!.partCount; n++) eTags.push([n, await putPart(session, n)]);
      // Every part is there, so the API signs; the client then leaves the last part out.
      const response = await complete(session, eTags.slice(0, -1));
      expect(await s3Refusal(response)).toEqual({ status: 400, code: 'InvalidRequest' });
      await expect(
        stack.s3.send(new HeadObjectCommand({ Bucket: stack.resources.originalsBucket, Key: session.key })),
      ).rejects.toMatchObject({ name: 'NotFound' });
      expect((await client.status(session.uploadId)).status).toBe('PENDING');
      // The session is intact: completing with every part works.
      expect((await complete(session, eTags)).status).toBe(200);
      expect((await client.settled(session.uploadId, 60_000)).status).toBe('READY');
    }, 120_000);

    it('cannot replace an object already stored under the key (If-None-Match: * on the completion: 412)', async () => {
      const session = await startPng();
      const eTags: Array<[number, string]> = [];
      for (let n = 1; n <= session.multipart!.partCount; n++) eTags.push([n, await putPart(session, n)]);
      // Signed while the upload is PENDING: once the single PUT below is stored, the worker may make
      // it READY (and the API then signs nothing more) before the completion is sent.
      const signed = await signComplete(session);
      expect((await client.put(session.original!, png)).status).toBe(200);
      expect(await s3Refusal(await complete(session, eTags, signed))).toEqual({
        status: 412,
        code: 'PreconditionFailed',
      });
    }, 120_000);
  });

  it('aborts on cancel: signing the DELETE expires the upload, and the session is gone from S3', async () => {
    const session = await startPng();
    await putPart(session, 1);
    const signed = await sign({ method: 'DELETE', key: session.key, uploadId: session.multipart!.uploadId });
    expect(signed.method).toBe('DELETE');
    expect((await client.status(session.uploadId)).status).toBe('EXPIRED');
    expect((await fetch(signed.url, { method: 'DELETE' })).status).toBe(204);
    expect((await signProblem({ method: 'GET', key: session.key, uploadId: session.multipart!.uploadId })).status).toBe(
      409,
    );
  });

  it('the sweep aborts a session abandoned unfinished, and stray sessions under its key (ListParts → NoSuchUpload)', async () => {
    const session = await startPng();
    await putPart(session, 1);
    const listUrl = (await sign({ method: 'GET', key: session.key, uploadId: session.multipart!.uploadId })).url;
    await prisma.upload.update({ where: { id: session.uploadId }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    const gone = await waitFor(
      async () => {
        const refusal = await s3Refusal(await fetch(listUrl));
        return refusal.status === 404 ? refusal : undefined;
      },
      { what: 'the sweep to abort the session', timeoutMs: 30_000 },
    );
    expect(gone).toEqual({ status: 404, code: 'NoSuchUpload' });
    expect((await client.settled(session.uploadId)).status).toBe('EXPIRED');
    // The sweep aborts in S3 first and records the session closed afterwards.
    const closedAt = await waitFor(
      async () =>
        (await prisma.upload.findUniqueOrThrow({ where: { id: session.uploadId } })).multipartClosedAt ?? undefined,
      { what: 'the sweep to record the session closed', timeoutMs: 30_000 },
    );
    expect(closedAt).toBeInstanceOf(Date);
  }, 90_000);

  describe('hostile or malformed sign requests: 4xx problem+json naming the field', () => {
    let session: MultipartSession;
    let uploadId: string;

    beforeAll(async () => {
      session = await startPng();
      uploadId = session.multipart!.uploadId;
    });

    it.each([
      ['an unknown method', 'method', () => ({ method: 'PATCH', key: session.key })],
      ['a method in lower case', 'method', () => ({ method: 'put', key: session.key })],
      ['no key', 'key', () => ({ method: 'PUT' })],
      ['a key that is a number', 'key', () => ({ method: 'PUT', key: 7 })],
      ['a key that is an array', 'key', () => ({ method: 'PUT', key: [session.key] })],
      ['part 0', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: 0 })],
      ['a negative part', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: -1 })],
      ['a fractional part', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: 1.5 })],
      ['a part as a string', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: '1' })],
      ['part 10001', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: 10_001 })],
      ['a huge part number', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: 1e300 })],
      ['a part past partCount', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId, partNumber: 4 })],
      ['a part without uploadId', 'uploadId', () => ({ method: 'PUT', key: session.key, partNumber: 1 })],
      ['uploadId without a part', 'partNumber', () => ({ method: 'PUT', key: session.key, uploadId })],
      [
        "another session's uploadId",
        'uploadId',
        () => ({ method: 'PUT', key: session.key, uploadId: 'x' + uploadId, partNumber: 1 }),
      ],
      ['uploadId as an array', 'uploadId', () => ({ method: 'GET', key: session.key, uploadId: [uploadId] })],
      ['ListParts without uploadId', 'uploadId', () => ({ method: 'GET', key: session.key })],
      ['DeleteObject (DELETE without uploadId)', 'uploadId', () => ({ method: 'DELETE', key: session.key })],
      ['another content type', 'contentType', () => ({ method: 'PUT', key: session.key, contentType: 'text/html' })],
      [
        'a checksum that is not SHA-256',
        'checksumSha256',
        () => ({ method: 'PUT', key: session.key, uploadId, partNumber: 1, checksumSha256: 'abc' }),
      ],
      ['a huge expiresIn', 'expiresIn', () => ({ method: 'PUT', key: session.key, expiresIn: 1e12 })],
      ['an unknown field', 'bucket', () => ({ method: 'PUT', key: session.key, bucket: 'other' })],
      [
        'null for an optional field',
        'uploadId',
        () => ({ method: 'PUT', key: session.key, uploadId: null, partNumber: 1 }),
      ],
    ])('%s → 400 naming %s', async (_name, field, body) => {
      const result = await signProblem(body());
      expect(result.status).toBe(400);
      expect(result.type).toContain('application/problem+json');
      expect(result.body.errors?.map((e) => e.field)).toContain(field);
    });

    it('answers a body that is an array, a __proto__ key, or not JSON, with 4xx', async () => {
      expect((await signProblem([{ method: 'PUT', key: session.key }])).status).toBe(400);
      const proto = `{"method":"PUT","key":${JSON.stringify(session.key)},"__proto__":{"partNumber":1}}`;
      expect((await signProblem(proto)).status).toBe(400);
      const response = await client.request('POST', '/v1/uploads/sign', 'PUT', { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
    });

    it("answers another user's key and an unknown key alike: 404, never 403", async () => {
      const theirs = await signProblem({ method: 'PUT', key: session.key, uploadId, partNumber: 1 }, other);
      expect(theirs.status).toBe(404);
      expect(theirs.body.code).toBe('not-found');
      const unknown = await signProblem({ method: 'PUT', key: session.key.replace(/.{12}$/, '000000000000') });
      expect(unknown.status).toBe(404);
      expect((await signProblem({ method: 'PUT', key: 'originals/../etc/passwd' })).status).toBe(404);
      expect((await signProblem({ method: 'PUT', key: 'renditions/x/y/thumb.webp' })).status).toBe(404);
    });

    it('refuses CreateMultipartUpload (409): the session was created by POST /v1/uploads', async () => {
      const result = await signProblem({ method: 'POST', key: session.key });
      expect(result.status).toBe(409);
      expect(result.body.detail).toMatch(/POST \/v1\/uploads/);
    });

    it('refuses to sign for an expired session', async () => {
      const expired = await startPng();
      await prisma.upload.update({ where: { id: expired.uploadId }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const result = await signProblem({
        method: 'PUT',
        key: expired.key,
        uploadId: expired.multipart!.uploadId,
        partNumber: 1,
      });
      expect(result.status).toBe(409);
      expect(result.body.detail).toMatch(/expired/);
    });

    it('refuses to sign for a REJECTED upload', async () => {
      const jpeg = await makeJpeg(64, 64);
      const spoofed = await start({ filename: 'x.png', contentType: 'image/png', size: jpeg.length, multipart: true });
      const part = await sign({
        method: 'PUT',
        key: spoofed.key,
        uploadId: spoofed.multipart!.uploadId,
        partNumber: 1,
      });
      const eTag = (
        await fetch(part.url, { method: 'PUT', headers: part.headers, body: new Uint8Array(jpeg) })
      ).headers.get('etag')!;
      const done = await sign({ method: 'POST', key: spoofed.key, uploadId: spoofed.multipart!.uploadId });
      expect(done.headers['x-amz-mp-object-size']).toBe(String(jpeg.length));
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${eTag}</ETag></Part></CompleteMultipartUpload>`;
      expect((await fetch(done.url, { method: 'POST', headers: done.headers, body: xml })).status).toBe(200);
      expect((await client.settled(spoofed.uploadId, 60_000)).status).toBe('REJECTED');
      const result = await signProblem({ method: 'GET', key: spoofed.key, uploadId: spoofed.multipart!.uploadId });
      expect(result.status).toBe(409);
      expect(result.body.detail).toMatch(/REJECTED/);
    }, 90_000);
  });

  it('stores the completed object with the declared Content-Type (set server-side at CreateMultipartUpload)', async () => {
    const session = await start({ filename: 'a.jpg', contentType: 'image/jpeg', size: 1000, multipart: true });
    const bytes = randomBytes(1000);
    const part = await sign({ method: 'PUT', key: session.key, uploadId: session.multipart!.uploadId, partNumber: 1 });
    const eTag = (await fetch(part.url, { method: 'PUT', body: new Uint8Array(bytes) })).headers.get('etag')!;
    const done = await sign({ method: 'POST', key: session.key, uploadId: session.multipart!.uploadId });
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${eTag}</ETag></Part></CompleteMultipartUpload>`;
    expect((await fetch(done.url, { method: 'POST', headers: done.headers, body: xml })).status).toBe(200);
    const object = await stack.s3.send(
      new GetObjectCommand({ Bucket: stack.resources.originalsBucket, Key: session.key }),
    );
    expect(object.ContentType).toBe('image/jpeg');
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });
});

/**
 * Without the worker: a part URL lives MULTIPART_PART_URL_TTL_SECONDS at most; the completion's
 * S3 event reaches the uploads queue through the Lambda stand-in and the forwarder bundle; the
 * bucket's CORS rule lets a browser make every multipart call.
 */
describe('multipart, without the worker', () => {
  const ORIGIN = 'http://127.0.0.1:3000';
  let stack: TestStack;
  let client: ApiClient;

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      webOrigins: [ORIGIN],
      env: { MULTIPART_PART_URL_TTL_SECONDS: '3' },
    });
    client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'multipart-ttl'));
  });
  afterAll(() => stack.stop());

  async function session(size: number): Promise<MultipartSession> {
    const body = { filename: 'a.jpg', contentType: 'image/jpeg', size, multipart: true };
    return (await (await client.request('POST', '/v1/uploads', body)).json()) as MultipartSession;
  }

  async function sign(body: object): Promise<Signed> {
    return (await (await client.request('POST', '/v1/uploads/sign', body)).json()) as Signed;
  }

  it('signs parts for the configured lifetime, and LocalStack refuses one used after it (403 AccessDenied)', async () => {
    const started = await session(1000);
    const signed = await sign({
      method: 'PUT',
      key: started.key,
      uploadId: started.multipart!.uploadId,
      partNumber: 1,
    });
    expect(new URL(signed.url).searchParams.get('X-Amz-Expires')).toBe('3');
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const refused = await fetch(signed.url, { method: 'PUT', body: new Uint8Array(randomBytes(1000)) });
    expect(await s3Refusal(refused)).toEqual({ status: 403, code: 'AccessDenied' });
  });

  it('forwards ObjectCreated:CompleteMultipartUpload to the uploads queue like any created object', async () => {
    // One small part: each URL lives 3 s in this stack.
    const bytes = randomBytes(1000);
    const started = await session(bytes.length);
    const { uploadId } = started.multipart!;
    const signed = await sign({ method: 'PUT', key: started.key, uploadId, partNumber: 1 });
    const response = await fetch(signed.url, { method: 'PUT', body: new Uint8Array(bytes) });
    expect(response.status).toBe(200);
    const parts = [`<Part><PartNumber>1</PartNumber><ETag>${response.headers.get('etag')}</ETag></Part>`];
    const done = await sign({ method: 'POST', key: started.key, uploadId });
    const xml = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
    expect((await fetch(done.url, { method: 'POST', headers: done.headers, body: xml })).status).toBe(200);
    const message = await waitFor(
      async () => {
        const received = await stack.queue.receive(stack.resources.uploadsQueueUrl, 10, 1);
        return received
          .map((m) => JSON.parse(m.Body!) as { key: string; eventName: string; size: number; eTag: string })
          .find((m) => m.key === started.key);
      },
      { what: 'the completion event on the uploads queue', timeoutMs: 30_000 },
    );
    expect(message).toMatchObject({ eventName: 'ObjectCreated:CompleteMultipartUpload', size: bytes.length });
    expect(message.eTag).toMatch(/-1$/);
  }, 60_000);

  it.each([
    ['PUT', 'x-amz-checksum-sha256'],
    ['POST', 'content-type,if-none-match,x-amz-mp-object-size'],
    ['GET', ''],
    ['DELETE', ''],
  ])(
    "lets the web origin's browser send %s with the signed headers (CORS preflight), and no other origin",
    async (method, headers) => {
      const started = await session(1000);
      const signed = await sign({ method: 'GET', key: started.key, uploadId: started.multipart!.uploadId });
      const preflight = (origin: string) =>
        fetch(signed.url, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': method,
            ...(headers ? { 'access-control-request-headers': headers } : {}),
          },
        });
      const allowed = await preflight(ORIGIN);
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(allowed.headers.get('access-control-allow-methods')).toContain(method);
      expect((await preflight('http://evil.example')).status).toBe(403);
    },
  );
});

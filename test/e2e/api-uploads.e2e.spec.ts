import { createHash } from 'node:crypto';
import { makeJpeg } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const valid = { filename: 'photo.jpg', contentType: 'image/jpeg', size: 1000 };

describe('POST /v1/uploads', () => {
  let stack: TestStack;
  let client: ApiClient;

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      forwarder: false,
      env: { UPLOAD_MAX_BYTES: '5000000', UPLOAD_RATE_LIMIT_PER_MINUTE: '1000', MAX_PENDING_UPLOADS_PER_USER: '1000' },
    });
    client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'uploads-gina'));
  });
  afterAll(() => stack.stop());

  async function problem(body: unknown, headers: Record<string, string> = {}) {
    const response = await client.request('POST', '/v1/uploads', body, headers);
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  }

  describe('validation: every failure names its field', () => {
    it.each([
      ['missing filename', { contentType: 'image/jpeg', size: 1 }, 'filename'],
      ['empty filename', { ...valid, filename: '' }, 'filename'],
      ['filename over 255 characters', { ...valid, filename: 'a'.repeat(256) }, 'filename'],
      ['control characters in filename', { ...valid, filename: 'a\u0000b\nc' }, 'filename'],
      ['SVG content type', { ...valid, contentType: 'image/svg+xml' }, 'contentType'],
      ['a non-image content type', { ...valid, contentType: 'text/html' }, 'contentType'],
      ['size 0', { ...valid, size: 0 }, 'size'],
      ['a fractional size', { ...valid, size: 1.5 }, 'size'],
      ['size as a string', { ...valid, size: '1000' }, 'size'],
      ['size over the maximum', { ...valid, size: 5_000_001 }, 'size'],
      ['size over the single-PUT maximum, multipart refused', { ...valid, size: 5_000_001, multipart: false }, 'size'],
      ['size over the multipart maximum', { ...valid, size: 200 * 1024 * 1024 + 1, multipart: true }, 'size'],
      ['multipart not a boolean', { ...valid, multipart: 'yes' }, 'multipart'],
      ['a checksum that is not base64 of 32 bytes', { ...valid, checksumSha256: 'abc' }, 'checksumSha256'],
      [
        'a thumbnail type not allowed',
        { ...valid, thumbnail: { contentType: 'image/png', size: 10 } },
        'thumbnail.contentType',
      ],
      [
        'a thumbnail over 1 MiB',
        { ...valid, thumbnail: { contentType: 'image/webp', size: 1_048_577 } },
        'thumbnail.size',
      ],
      ['an unknown field', { ...valid, key: 'originals/someone-else/x' }, 'key'],
      [
        'an unknown thumbnail field',
        { ...valid, thumbnail: { contentType: 'image/webp', size: 10, acl: 'public' } },
        'thumbnail.acl',
      ],
    ])('%s → 400 naming %s', async (_name, body, field) => {
      const result = await problem(body);
      expect(result.status).toBe(400);
      expect(result.type).toContain('application/problem+json');
      expect(result.body.code).toBe('validation-failed');
      expect(result.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('answers malformed JSON with 400, not 500', async () => {
      const result = await problem('{"filename": "a.jpg",');
      expect(result.status).toBe(400);
      expect(result.body.code).toBe('malformed-request');
    });

    it('answers a non-JSON body with 415', async () => {
      const response = await client.request('POST', '/v1/uploads', 'hello', { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
    });

    it('answers an oversized body with 413', async () => {
      const result = await problem({ ...valid, filename: 'x'.repeat(70_000) });
      expect(result.status).toBe(413);
    });
  });

  describe('presigned URLs that bind what was declared', () => {
    it('signs content-type, content-length, the checksum and If-None-Match, and lists the headers a client sets', async () => {
      const jpeg = await makeJpeg(64, 64);
      const checksum = createHash('sha256').update(jpeg).digest('base64');
      const session = await client.createUpload({ ...valid, size: jpeg.length, checksumSha256: checksum });
      const url = new URL(session.original.url);
      expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual(
        expect.arrayContaining(['content-type', 'content-length', 'x-amz-checksum-sha256', 'if-none-match', 'host']),
      );
      expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
      // Content-Length is signed but not listed: every HTTP client sends it from the body.
      expect(session.original.headers).toEqual({
        'content-type': 'image/jpeg',
        'if-none-match': '*',
        'x-amz-checksum-sha256': checksum,
      });
      // Keys are the server's, never the filename, and name the user by a pseudonym, never the id.
      expect(url.pathname).toMatch(new RegExp(`/originals/[0-9a-f]{32}/${session.uploadId}$`));
      expect(url.href).not.toContain('uploads-gina');
      // The emulator accepts the bytes that match.
      expect((await client.put(session.original, jpeg)).status).toBe(200);
    });

    it('issues a second URL for the thumbnail under the thumbnails prefix', async () => {
      const session = await client.createUpload({ ...valid, thumbnail: { contentType: 'image/webp', size: 500 } });
      expect(new URL(session.thumbnail!.url).pathname).toMatch(
        new RegExp(`/thumbnails/[0-9a-f]{32}/${session.uploadId}$`),
      );
      expect(session.thumbnail!.headers).toEqual({ 'content-type': 'image/webp', 'if-none-match': '*' });
      expect(new URL(session.thumbnail!.url).searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual(
        expect.arrayContaining(['content-type', 'content-length', 'if-none-match', 'host']),
      );
    });
  });

  it('creates every upload of a concurrent burst (writes are group-committed), each with its own row', async () => {
    const sessions = await Promise.all(Array.from({ length: 40 }, () => client.createUpload(valid)));
    const ids = new Set(sessions.map((s) => s.uploadId));
    expect(ids.size).toBe(40);
    for (const session of sessions.slice(0, 3)) {
      expect((await client.status(session.uploadId)).status).toBe('PENDING');
    }
  });

  describe('Idempotency-Key', () => {
    it('returns the same upload for the same key and body', async () => {
      const first = await client.request('POST', '/v1/uploads', valid, { 'idempotency-key': 'order-42' });
      const second = await client.request(
        'POST',
        '/v1/uploads',
        { size: 1000, contentType: 'image/jpeg', filename: 'photo.jpg' },
        { 'idempotency-key': 'order-42' },
      );
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      const [a, b] = [await first.json(), await second.json()];
      expect(b.uploadId).toBe(a.uploadId);
      expect(b.expiresAt).toBe(a.expiresAt);
    });

    it('refuses the same key with another body (422)', async () => {
      await client.request('POST', '/v1/uploads', valid, { 'idempotency-key': 'order-43' });
      const result = await problem({ ...valid, size: 2000 }, { 'idempotency-key': 'order-43' });
      expect(result.status).toBe(422);
      expect(result.body.code).toBe('idempotency-conflict');
    });

    it('keeps keys per user', async () => {
      const other = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'uploads-hank'));
      const mine = await (await client.request('POST', '/v1/uploads', valid, { 'idempotency-key': 'shared' })).json();
      const theirs = await (await other.request('POST', '/v1/uploads', valid, { 'idempotency-key': 'shared' })).json();
      expect(theirs.uploadId).not.toBe(mine.uploadId);
    });
  });
});

describe('limits', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      forwarder: false,
      env: { UPLOAD_RATE_LIMIT_PER_MINUTE: '3', MAX_PENDING_UPLOADS_PER_USER: '2' },
    });
  });
  afterAll(() => stack.stop());

  it('answers 429 with Retry-After past the per-user rate limit', async () => {
    const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'limits-ivy'));
    const other = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'limits-jack'));
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await client.request('POST', '/v1/uploads', valid);
      statuses.push(last.status);
    }
    // The third is refused by the pending cap (2), the fourth by the rate limit (3/min).
    expect(statuses).toEqual([201, 201, 429, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await last!.json()).detail).toMatch(/per minute/);
    // Another user is unaffected.
    expect((await other.request('POST', '/v1/uploads', valid)).status).toBe(201);
  });

  it('caps the pending uploads of a user', async () => {
    const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'limits-kate'));
    await client.request('POST', '/v1/uploads', valid);
    await client.request('POST', '/v1/uploads', valid);
    const third = await client.request('POST', '/v1/uploads', valid);
    expect(third.status).toBe(429);
    expect((await third.json()).detail).toMatch(/waiting for their bytes/);
  });
});

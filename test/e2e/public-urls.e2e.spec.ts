import { createHash, randomUUID } from 'node:crypto';
import { CdnInvalidator, imageCdnPaths, RecordingCdnInvalidator, userCdnPaths } from '@lib/cdn';
import { loadApiConfig } from '@lib/config';
import { ErasureStatus, userKeyFor } from '@lib/contracts';
import { makeJpeg, waitFor } from '@lib/testing';
import { ERASURE_CONFIRMATION } from '../../apps/api/src/erasure/erasure.dto';
import { ApiClient, ImageBody } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

const ORIGIN_SECRET = 'origin-verify-secret-for-e2e-0123456789';
const FROM_CDN = { 'x-origin-verify': ORIGIN_SECRET };

/** Every string in a JSON document that is a URL. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(urlsIn);
}

/**
 * The ways a value can be "merely encoded" into a URL: in clear, percent-encoded, base64 and
 * base64url (with and without padding), hex in either case.
 */
function spellings(value: string | Buffer): string[] {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  const b64 = bytes.toString('base64');
  return [
    ...(Buffer.isBuffer(value) ? [] : [value, encodeURIComponent(value)]),
    b64,
    b64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
}

/** Every segment of the URL decoded as base64/base64url/hex, to catch a value embedded in a longer token. */
function decodedSegments(url: string): string[] {
  return decodeURIComponent(url)
    .split(/[/?&=.:]/)
    .filter((segment) => segment.length >= 8)
    .flatMap((segment) => [
      Buffer.from(segment, 'base64').toString('latin1'),
      Buffer.from(segment, 'base64url').toString('latin1'),
      /^[0-9a-f]+$/i.test(segment) ? Buffer.from(segment, 'hex').toString('latin1') : '',
    ]);
}

describe('public URLs carry no identity or content hash, and deleted means gone', () => {
  // Identity providers' subjects are often e-mail addresses.
  const userId = `hostile.${randomUUID().slice(0, 8)}@example.com`;
  let client: ApiClient;
  let recorder: RecordingCdnInvalidator;

  const e2e = useTestStack({
    // The CDN outbox and erasure requests are drained by whichever worker sees them first.
    ownDatabase: true,
    env: {
      RENDER_SIGNING_SECRET: 'public-urls-e2e-render-signing-secret-0123',
      RENDER_ORIGIN_SECRET: ORIGIN_SECRET,
      CDN_BASE_URL: 'https://cdn.example.test',
      THUMBNAIL_WAIT_SECONDS: '0',
      SWEEP_INTERVAL_SECONDS: '1',
      ERASURE_POLL_SECONDS: '1',
      CDN_INVALIDATION_INTERVAL_SECONDS: '1',
      RENDER_URL_RATE_LIMIT_PER_MINUTE: '20',
    },
  });
  beforeAll(async () => {
    client = await e2e.client(userId);
    recorder = e2e.stack.worker!.get(CdnInvalidator) as RecordingCdnInvalidator;
  }, 120_000);

  /** A READY image whose thumbnail and every rendition exist, and the bytes it was made from. */
  async function readyImage(owner = client): Promise<{ image: ImageBody; bytes: Buffer; session: object }> {
    const bytes = await makeJpeg(900, 600);
    const session = await owner.upload(bytes, 'image/jpeg', {
      checksumSha256: createHash('sha256').update(bytes).digest('base64'),
    });
    const settled = await owner.settled(session.uploadId, 30_000);
    expect(settled.status).toBe('READY');
    const image = await waitFor(
      async () => {
        const body = (await (await owner.request('GET', `/v1/images/${settled.image!.id}`)).json()) as ImageBody;
        return body.thumbnailUrl && Object.values(body.renditions).every((url) => url) ? body : undefined;
      },
      { what: 'thumbnail and renditions', timeoutMs: 30_000 },
    );
    return { image, bytes, session };
  }

  /** Render URLs point at the CDN; the test reaches the origin directly, as CloudFront would. */
  function origin(url: string): string {
    const parsed = new URL(url);
    return `${e2e.stack.apiUrl}${parsed.pathname}${parsed.search}`;
  }

  async function renderUrl(imageId: string, body: object = { width: 300 }, owner = client): Promise<Response> {
    return owner.request('POST', `/v1/images/${imageId}/render-url`, body);
  }

  it('no URL in any response contains the user id or a content hash, in clear or encoded', async () => {
    const { image, bytes, session } = await readyImage();
    const row = await e2e.prisma.image.findUniqueOrThrow({ where: { id: image.id } });
    const responses: unknown[] = [session, image];
    responses.push(await (await client.request('GET', `/v1/uploads/${image.uploadId}`)).json());
    responses.push(await (await client.request('GET', '/v1/images')).json());
    for (const body of [{ width: 640 }, { width: 200, height: 200, fit: 'cover', format: 'avif' }, {}]) {
      const minted = await renderUrl(image.id, body);
      expect(minted.status).toBe(200);
      responses.push(await minted.json());
    }
    const urls = responses.flatMap(urlsIn);
    // Presigned PUTs for original and thumbnail, original GETs, thumbnails, renditions, renders.
    expect(urls.length).toBeGreaterThanOrEqual(12);

    const secrets: [string, string[]][] = [
      ['user id', spellings(userId)],
      ['ETag', spellings(row.eTag.replace(/"/g, ''))],
      ['ETag bytes', spellings(Buffer.from(row.eTag.replace(/"/g, ''), 'hex'))],
      ['MD5', spellings(createHash('md5').update(bytes).digest())],
      ['SHA-256', spellings(createHash('sha256').update(bytes).digest())],
    ];
    for (const url of urls) {
      const text = decodeURIComponent(url);
      for (const [what, forms] of secrets) {
        for (const form of forms)
          expect({ url, what, found: url.includes(form) || text.includes(form) }).toEqual({ url, what, found: false });
      }
      for (const decoded of decodedSegments(url))
        expect({ url, leaks: decoded.includes(userId) }).toEqual({ url, leaks: false });
    }
  });

  it('render-url quantizes sizes to the ladder, caps AVIF at large sizes, and the origin takes only the CDN', async () => {
    const { image } = await readyImage();
    const params = async (body: object) =>
      new URL(((await (await renderUrl(image.id, body)).json()) as { url: string }).url).searchParams;
    const odd = await params({ width: 1000, height: 50, fit: 'cover' });
    expect([odd.get('w'), odd.get('h')]).toEqual(['1200', '64']);
    const huge = await params({ width: 4096, format: 'avif', quality: 100 });
    expect([huge.get('w'), huge.get('q')]).toEqual([
      '4096',
      String(loadApiConfig(e2e.stack.env).render.avifCap.quality),
    ]);
    const small = await params({ width: 256, format: 'avif', quality: 100 });
    expect(small.get('q')).toBe('100');

    const url = origin(((await (await renderUrl(image.id)).json()) as { url: string }).url);
    const direct = await fetch(url);
    expect(direct.status).toBe(403);
    expect(direct.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(url, { headers: { 'x-origin-verify': 'guess' } })).status).toBe(403);
    expect((await fetch(url, { headers: FROM_CDN })).status).toBe(200);
  });

  it('rate-limits render-url per user with 429 + Retry-After, other users unaffected', async () => {
    const flooder = await e2e.client(`flood-${randomUUID().slice(0, 8)}`);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await renderUrl(randomUUID(), { width: 100 + i }, flooder)).status);
    expect(statuses.slice(0, 20).every((status) => status === 404)).toBe(true);
    const limited = await renderUrl(randomUUID(), { width: 100 }, flooder);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    const bystander = await e2e.client(`calm-${randomUUID().slice(0, 8)}`);
    expect((await renderUrl(randomUUID(), { width: 100 }, bystander)).status).toBe(404);
  });

  it('caches a render no longer than its URL lives, and never revalidates a deleted image', async () => {
    const { image } = await readyImage();
    // Downloads too: S3 answers a presigned GET with a lifetime no longer than the URL's.
    const download = await fetch(image.originalUrl);
    expect(download.status).toBe(200);
    const ttl = loadApiConfig(e2e.stack.env).storage.downloadUrlTtlSeconds;
    expect(download.headers.get('cache-control')).toBe(`private, max-age=${ttl}`);
    const minted = (await (await renderUrl(image.id)).json()) as { url: string; expiresAt: string };
    const url = origin(minted.url);
    const first = await fetch(url, { headers: { ...FROM_CDN, accept: 'image/webp' } });
    expect(first.status).toBe(200);
    const maxAge = Number(/max-age=(\d+)/.exec(first.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(Math.ceil((Date.parse(minted.expiresAt) - Date.now()) / 1000));
    expect(first.headers.get('cache-control')).not.toContain('immutable');
    const etag = first.headers.get('etag')!;
    const conditional = { ...FROM_CDN, accept: 'image/webp', 'if-none-match': etag };
    expect((await fetch(url, { headers: conditional })).status).toBe(304);

    expect((await client.request('DELETE', `/v1/images/${image.id}`)).status).toBe(204);
    const gone = await fetch(url, { headers: conditional });
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');

    // The worker invalidates every CDN path that could still hold a copy.
    const expected = imageCdnPaths({
      userKey: userKeyFor(loadApiConfig(e2e.stack.env).userKeySecret, userId),
      uploadId: image.uploadId,
      imageId: image.id,
    });
    const invalidated = () => new Set(recorder.calls.flatMap((call) => call.paths));
    await waitFor(
      async () =>
        expected.every((path) => invalidated().has(path)) &&
        (await e2e.prisma.cdnInvalidation.count({ where: { invalidatedAt: null } })) === 0,
      { what: 'the deleted image to be invalidated on the CDN, and the outbox drained', timeoutMs: 20_000 },
    );
  });

  it('an erased user: no 304, no render, CDN invalidated, and the erasure record says so', async () => {
    const subject = `erased-${randomUUID().slice(0, 8)}`;
    const owner = await e2e.client(subject);
    const { image } = await readyImage(owner);
    const url = origin(((await (await renderUrl(image.id, { width: 300 }, owner)).json()) as { url: string }).url);
    const first = await fetch(url, { headers: { ...FROM_CDN, accept: 'image/jpeg' } });
    expect(first.status).toBe(200);
    const conditional = { ...FROM_CDN, accept: 'image/jpeg', 'if-none-match': first.headers.get('etag')! };

    expect((await owner.request('DELETE', '/v1/users/me', { confirm: ERASURE_CONFIRMATION })).status).toBe(202);
    // From the request on, before any row is deleted, nothing of the user is served or revalidated.
    expect((await fetch(url, { headers: conditional })).status).toBe(404);

    const done = await waitFor(
      async () => {
        const status = (await (await owner.request('GET', '/v1/users/me/erasure')).json()) as ErasureStatus;
        return status.state === 'COMPLETED' && status.cdnInvalidatedAt ? status : undefined;
      },
      { what: 'the erasure to complete and reach the CDN', timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(Date.parse(done.cdnInvalidatedAt!)).toBeGreaterThanOrEqual(Date.parse(done.finishedAt!));
    const paths = new Set(recorder.calls.flatMap((call) => call.paths));
    for (const path of userCdnPaths(userKeyFor(loadApiConfig(e2e.stack.env).userKeySecret, subject))) {
      expect(paths).toContain(path);
    }
    expect((await fetch(url, { headers: conditional })).status).toBe(404);
  });

  it('keeps /metrics off the public listener and serves it on the metrics port', async () => {
    expect((await fetch(`${e2e.stack.apiUrl}/metrics`)).status).toBe(404);
    expect(await (await fetch(e2e.stack.apiMetricsUrl)).text()).toContain('http_requests_total');
  });
});

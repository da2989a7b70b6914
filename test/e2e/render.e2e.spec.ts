import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { loadApiConfig } from '@lib/config';
import { originalKey, userKeyFor } from '@lib/contracts';
import { makeJpeg, makeJpegWithGps, personalMetadataOf } from '@lib/testing';
import { canonicalQuery, paramsFromQuery } from '../../apps/api/src/render/render-params';
import { encodeSourceToken, RenderSigner } from '../../apps/api/src/render/render-signer';
import { ApiClient } from '../support/api-client';
import { useTestStack } from '../support/stack-fixture';

const SECRET = 'render-e2e-signing-secret-0123456789abcdef';

describe('on-demand render origin', () => {
  let alice: ApiClient;
  let mallory: ApiClient;
  let imageId: string;

  const e2e = useTestStack({
    // A tiny limiter so the flood test turns most requests away quickly.
    env: {
      RENDER_SIGNING_SECRET: SECRET,
      RENDER_CONCURRENCY: '1',
      RENDER_QUEUE_MAX: '2',
      // Every cache hit asks S3, so deleted and overwritten originals are seen at once here.
      RENDER_ORIGINAL_RECHECK_MS: '0',
      SWEEP_INTERVAL_SECONDS: '1',
      // The sizes these tests ask for are steps of the ladder, so they come back as asked.
      RENDER_SIZE_LADDER: '100,120,200,300,1600,4096',
    },
  });
  beforeAll(async () => {
    alice = await e2e.client('render-alice');
    mallory = await e2e.client('render-mallory');
    const ready = await uploadReady(await makeJpegWithGps(1200, 900, { exifOrientation: 6 }));
    imageId = ready.id;
  });

  async function uploadReady(bytes: Buffer): Promise<{ id: string; uploadId: string }> {
    const session = await alice.upload(bytes, 'image/jpeg');
    const settled = await alice.settled(session.uploadId, 30_000);
    if (settled.status !== 'READY') throw new Error(`upload ${settled.status}`);
    return settled.image!;
  }

  /** The API's public base URL is not the test port; keep the signed path and query. */
  function local(url: string): string {
    const parsed = new URL(url);
    return `${e2e.stack.apiUrl}${parsed.pathname}${parsed.search}`;
  }

  async function renderUrl(body: object, client = alice, id = imageId): Promise<Response> {
    return client.request('POST', `/v1/images/${id}/render-url`, body);
  }

  async function signedUrl(body: object): Promise<string> {
    const response = await renderUrl(body);
    expect(response.status).toBe(200);
    const { url, expiresAt } = (await response.json()) as { url: string; expiresAt: string };
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(url).not.toContain('render-alice');
    return local(url);
  }

  it.each([
    ['image/avif,image/webp,*/*', 'image/avif', 'heif'],
    ['image/webp,*/*', 'image/webp', 'webp'],
    ['*/*', 'image/jpeg', 'jpeg'],
  ])('Accept %s → %s, upright, without EXIF or GPS, cacheable while the URL lives', async (accept, type, format) => {
    const url = await signedUrl({ width: 300 });
    const response = await fetch(url, { headers: { accept } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('vary')).toMatch(/\bAccept\b/);
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(response.headers.get('cache-control') ?? '')?.[1]);
    const expiresIn = Number(new URL(url).searchParams.get('exp')) - Date.now() / 1000;
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(Math.ceil(expiresIn));
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect(meta.format).toBe(format);
    // Stored 1200×900 with orientation 6: upright and 300 wide it is 300×400.
    expect([meta.width, meta.height]).toEqual([300, 400]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(personalMetadataOf(meta)).toEqual([]);
  });

  it('renders cover, contain and explicit formats without Vary', async () => {
    const response = await fetch(await signedUrl({ width: 200, height: 120, fit: 'cover', format: 'png' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('vary') ?? '').not.toMatch(/\bAccept\b/);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.width, meta.height, personalMetadataOf(meta)]).toEqual([200, 120, []]);
  });

  it('answers a matching If-None-Match with 304 and no body; a different format has another ETag', async () => {
    const url = await signedUrl({ width: 120 });
    const first = await fetch(url, { headers: { accept: 'image/webp' } });
    const etag = first.headers.get('etag')!;
    const again = await fetch(url, { headers: { accept: 'image/webp', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const jpeg = await fetch(url, { headers: { accept: 'image/jpeg', 'if-none-match': etag } });
    expect(jpeg.status).toBe(200);
    expect(jpeg.headers.get('etag')).not.toBe(etag);
  });

  it('refuses tampered parameters, a tampered signature and an expired URL with 403', async () => {
    const url = new URL(await signedUrl({ width: 300 }));
    const widened = new URL(url);
    widened.searchParams.set('w', '4000');
    const resigned = new URL(url);
    const sig = resigned.searchParams.get('sig')!;
    resigned.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const longer = new URL(url);
    longer.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 86_400));

    // Correctly signed with the real secret, but the expiry has passed.
    const token = url.pathname.split('/').pop()!;
    const query = canonicalQuery(paramsFromQuery({ w: '300' }, 4096));
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = `${e2e.stack.apiUrl}/v1/render/${token}?${query}&exp=${past}&sig=${new RenderSigner(SECRET).sign(token, query, past)}`;

    for (const candidate of [widened.href, resigned.href, longer.href, expired]) {
      const response = await fetch(candidate);
      expect({ candidate, status: response.status }).toEqual({ candidate, status: 403 });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('refuses 20000 px with 400 problem+json, at render-url and at the route', async () => {
    const mint = await renderUrl({ width: 20_000 });
    expect(mint.status).toBe(400);
    expect(mint.headers.get('content-type')).toContain('application/problem+json');
    const url = new URL(await signedUrl({ width: 300 }));
    url.searchParams.set('w', '20000');
    expect((await fetch(url)).status).toBe(400);
    expect((await renderUrl({ fit: 'stretch' })).status).toBe(400);
  });

  it("404s another user's image and an unknown one; 404s a signed URL whose original is gone", async () => {
    expect((await renderUrl({ width: 100 }, mallory)).status).toBe(404);
    expect((await renderUrl({ width: 100 }, alice, randomUUID())).status).toBe(404);
    const userKey = new URL(await signedUrl({ width: 100 })).pathname.split('/').pop()!.split('.')[0]!;
    const token = encodeSourceToken({ userKey, imageId: randomUUID() });
    const query = canonicalQuery(paramsFromQuery({ w: '100' }, 4096));
    const exp = Math.floor(Date.now() / 1000) + 600;
    const response = await fetch(
      `${e2e.stack.apiUrl}/v1/render/${token}?${query}&exp=${exp}&sig=${new RenderSigner(SECRET).sign(token, query, exp)}`,
    );
    expect(response.status).toBe(404);
  });

  it('reads an original from S3 once for several sizes; later renders only check it is unchanged', async () => {
    const other = await uploadReady(await makeJpeg(640, 480));
    const urls = await Promise.all(
      [100, 200, 300].map(async (width) => {
        const minted = await renderUrl({ width, format: 'webp' }, alice, other.id);
        return local(((await minted.json()) as { url: string }).url);
      }),
    );
    const before = await originalReads();
    for (const url of urls) expect((await fetch(url)).status).toBe(200);
    const after = await originalReads();
    expect([after.s3 - before.s3, after.cache - before.cache]).toEqual([1, 2]);
  });

  async function originalReads(): Promise<{ s3: number; cache: number }> {
    const text = await (await fetch(e2e.stack.apiMetricsUrl)).text();
    const count = (source: string) =>
      Number(new RegExp(`^render_original_reads_total\\{source="${source}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { s3: count('s3'), cache: count('cache') };
  }

  it('answers 409 once the original was overwritten with bytes that are not READY', async () => {
    const other = await uploadReady(await makeJpeg(320, 240));
    const minted = await renderUrl({ width: 100 }, alice, other.id);
    const signed = local(((await minted.json()) as { url: string }).url);
    expect((await fetch(signed)).status).toBe(200);
    await e2e.stack.s3.send(
      new PutObjectCommand({
        Bucket: e2e.stack.resources.originalsBucket,
        Key: originalKey(userKeyFor(loadApiConfig(e2e.stack.env).userKeySecret, 'render-alice'), other.uploadId),
        Body: await makeJpeg(330, 250),
        ContentType: 'image/jpeg',
      }),
    );
    const response = await fetch(signed);
    expect(response.status).toBe(409);
  });

  it('100 concurrent renders of a 12 MP image: each completes or gets 503 + Retry-After, memory stays bounded', async () => {
    const big = await uploadReady(await makeJpeg(4000, 3000));
    const response = await renderUrl({ width: 1600, format: 'webp' }, alice, big.id);
    const url = local(((await response.json()) as { url: string }).url);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const r = await fetch(url);
        if (r.status === 503) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        await r.arrayBuffer();
        return r.status;
      }),
    );
    clearInterval(sampler);
    const counts = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    expect(Object.keys(counts).sort()).toEqual(['200', '503']);
    expect(counts[200]).toBeGreaterThanOrEqual(1);
    // One running and two queued at most: three decodes of a 12 MP JPEG, never a hundred.
    expect(counts[200]).toBeLessThanOrEqual(10);
    expect((peak - baseline) / 1024 ** 2).toBeLessThan(256);
  });
});

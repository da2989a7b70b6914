import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { parseObjectKey } from '@lib/contracts';
import { ImageRepository, UploadRepository } from '@lib/database';
import { AppError, errors } from '@lib/errors';
import { RenderedImage, renderResized } from '@lib/imaging';
import { ObjectStorageRepository } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { ApiMetrics } from '../observability/api.metrics';
import { RenderLimiter } from './render-limiter';
import { OriginalCache } from './original-cache';
import {
  canonicalQuery,
  negotiateFormat,
  paramsFromQuery,
  RenderParams,
  RenderQuery,
  validateRenderParams,
} from './render-params';
import { decodeSourceToken, encodeSourceToken, RenderSigner } from './render-signer';
import type { RenderUrlDto, RenderUrlRequestDto } from './render.dto';

/**
 * Expiries are rounded up to this step, so asking twice for the same size within it yields
 * the same URL, and a CDN serves the second from its cache.
 */
const EXPIRY_STEP_SECONDS = 3600;

export const RENDER_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export type RenderOutcome =
  { status: 304; headers: Record<string, string> } | { status: 200; headers: Record<string, string>; body: Buffer };

@Injectable()
export class RenderService {
  private readonly signer?: RenderSigner;
  /** Admission (503 when its queue is full) and S3 reads: at most `concurrency` originals in memory waiting. */
  private readonly downloads: RenderLimiter;
  /** sharp itself: `concurrency` renders at a time, fed by the downloads stage. */
  private readonly renders: RenderLimiter;
  private readonly originals: OriginalCache;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly images: ImageRepository,
    private readonly uploads: UploadRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly metrics: ApiMetrics,
  ) {
    const render = config.render;
    this.signer = render.signingSecret ? new RenderSigner(render.signingSecret) : undefined;
    this.downloads = new RenderLimiter(render.concurrency, render.queueMax);
    this.renders = new RenderLimiter(render.concurrency, Number.POSITIVE_INFINITY);
    this.originals = new OriginalCache(render.originalCacheBytes, render.originalRecheckMs);
  }

  /**
   * Signs only for READY images. That is what lets the render route stay free of database
   * lookups: a valid signature already says "this original was verified", and the ETag bound
   * into the token says which bytes were (see render()).
   */
  async createUrl(user: AuthUser, imageId: string, body: RenderUrlRequestDto): Promise<RenderUrlDto> {
    const signer = this.requireSigner();
    const params = validateRenderParams(
      {
        width: body.width?.toString(),
        height: body.height?.toString(),
        fit: body.fit,
        format: body.format,
        quality: body.quality?.toString(),
      },
      this.config.render.maxSide,
    );
    const image = await this.images.findOwned(user.id, imageId);
    if (!image) throw errors.notFound('Image', imageId);
    const upload = await this.uploads.findById(image.uploadId);
    if (upload?.status !== 'READY') throw errors.conflict(`Image ${imageId} is not READY.`);
    const token = encodeSourceToken({ key: image.key, eTag: image.eTag });
    const query = canonicalQuery(params);
    const exp =
      Math.ceil((Date.now() / 1000 + this.config.render.urlTtlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
    const sig = signer.sign(token, query, exp);
    const base = this.config.storage.cdnBaseUrl ?? this.config.publicBaseUrl;
    return {
      url: `${base}/v1/render/${token}?${query}&exp=${exp}&sig=${sig}`,
      expiresAt: new Date(exp * 1000).toISOString(),
    };
  }

  /**
   * Order: parameters (400), signature and expiry (403) — no I/O so far —, conditional request
   * (304, still no I/O: the ETag is a function of signed inputs only), then a slot in the
   * limiter (503), then S3: gone → 404; overwritten since it was verified → 409, because the
   * new bytes are not READY until the worker has judged them; else the render.
   */
  async render(token: string, query: RenderQuery, accept?: string, ifNoneMatch?: string): Promise<RenderOutcome> {
    const signer = this.requireSigner();
    const params = paramsFromQuery(query, this.config.render.maxSide);
    const canonical = canonicalQuery(params);
    signer.verify(token, canonical, query.exp, query.sig, Date.now());
    const source = decodeSourceToken(token);
    if (!source || parseObjectKey(source.key)?.role !== 'ORIGINAL') throw errors.notFound('Image', token);

    const format = negotiateFormat(params.format, accept);
    const etag = `"${createHash('sha256').update(`${token}\n${canonical}\n${format}`).digest('base64url').slice(0, 32)}"`;
    const headers: Record<string, string> = { etag, 'cache-control': RENDER_CACHE_CONTROL };
    if (params.format === 'auto') headers.vary = 'Accept';
    if (matches(ifNoneMatch, etag)) return { status: 304, headers };

    const image = await this.renderLimited(source.key, source.eTag, params, format);
    return {
      status: 200,
      headers: {
        ...headers,
        'content-type': image.contentType,
        'x-content-type-options': 'nosniff',
        // Helmet's API-wide same-site policy would stop other sites' pages from showing these.
        'cross-origin-resource-policy': 'cross-origin',
      },
      body: image.body,
    };
  }

  private async renderLimited(
    key: string,
    eTag: string,
    params: RenderParams,
    format: ReturnType<typeof negotiateFormat>,
  ): Promise<RenderedImage> {
    const { timeoutMs, maxSide, maxInputPixels } = this.config.render;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(errors.overloaded(1, `The render did not finish within ${timeoutMs} ms.`));
      }, timeoutMs);
    });
    const work = this.downloadThenRender(key, eTag, abort.signal, (original) =>
      renderResized(
        original,
        {
          // Neither side given: the whole image, but never larger than the output bound.
          width: params.width ?? (params.height === undefined ? maxSide : undefined),
          height: params.height ?? (params.width === undefined ? maxSide : undefined),
          fit: params.fit,
          format,
          quality: params.quality,
        },
        { maxPixels: maxInputPixels, timeoutMs },
      ),
    );
    work.catch(() => undefined); // a late failure after the deadline answered must not go unhandled
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Two stages so the S3 read of the next original overlaps the render of the current one (on
   * the emulator a 6 MB GET takes ~80 ms, as long as a small render). The download slot is only
   * given up once a render slot is held, which bounds originals held for waiting renders to
   * `concurrency` (plus the byte-bounded cache of recent ones).
   */
  private async downloadThenRender(
    key: string,
    eTag: string,
    signal: AbortSignal,
    render: (original: Buffer) => Promise<RenderedImage>,
  ): Promise<RenderedImage> {
    const releaseDownload = await this.downloads.acquire();
    try {
      // Timed out while queued: give the slot to someone who is still waiting for an answer.
      if (signal.aborted) throw errors.overloaded(1, 'The render timed out while queued.');
      const bucket = this.config.storage.originalsBucket;
      let readFromS3 = false;
      const original = await this.originals.read(key, eTag, {
        read: () => {
          readFromS3 = true;
          return this.storage.readIfMatch(bucket, key, eTag);
        },
        check: async () => {
          const head = await this.storage.head(bucket, key);
          return head === null ? null : head.eTag === eTag ? 'current' : 'changed';
        },
      });
      if (Buffer.isBuffer(original)) this.metrics.renderOriginalReads.inc({ source: readFromS3 ? 's3' : 'cache' });
      if (original === null) throw errors.notFound('Image', key.split('/').pop() ?? key);
      if (original === 'changed') {
        throw errors.conflict('The original changed since this URL was made; it is not READY again yet.');
      }
      const releaseRender = await this.renders.acquire();
      releaseDownload();
      try {
        if (signal.aborted) throw errors.overloaded(1, 'The render timed out while queued.');
        return await render(original);
      } catch (error) {
        throw renderError(error);
      } finally {
        releaseRender();
      }
    } finally {
      releaseDownload();
    }
  }

  private requireSigner(): RenderSigner {
    if (!this.signer) throw errors.dependencyUnavailable('On-demand rendering (RENDER_SIGNING_SECRET is not set)');
    return this.signer;
  }
}

/** RFC 9110 If-None-Match: a list of entity tags (weak comparison) or `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function renderError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return errors.payloadTooLarge('The original has too many pixels to render.');
  if (/timeout|timed out/i.test(message)) return errors.overloaded(1, 'The render took too long.');
  return errors.internal(error);
}

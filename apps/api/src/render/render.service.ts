import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { ImageRepository, UploadRepository } from '@lib/database';
import { AppError, errors } from '@lib/errors';
import { ImageSource, RenderedImage, renderResized } from '@lib/imaging';
import { ObjectStorageRepository, ScratchDirectory, VerifiedObject } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { UserKeyService } from '../auth/user-key.service';
import { RateLimiter } from '../common/rate-limiter';
import { ErasureService } from '../erasure/erasure.service';
import { ApiMetrics } from '../observability/api.metrics';
import { RenderLimiter } from './render-limiter';
import { OriginalCache } from './original-cache';
import {
  canonicalQuery,
  negotiateFormat,
  outputPixelBound,
  paramsFromQuery,
  quantizeToLadder,
  RenderParams,
  RenderQuery,
  validateRenderParams,
} from './render-params';
import { decodeSourceToken, encodeSourceToken, RenderSigner } from './render-signer';
import type { RenderUrlDto, RenderUrlRequestDto } from './render.dto';

export const RENDER_URL_RATE_LIMITER = Symbol('RENDER_URL_RATE_LIMITER');

/**
 * Expiries are rounded up to this step, so asking twice for the same size within it yields
 * the same URL, and a CDN serves the second from its cache.
 */
const EXPIRY_STEP_SECONDS = 3600;

/** Header the CDN adds to every origin request (a custom origin header in infra). */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

/**
 * Never longer than the URL lives: a cache may keep a render only while its URL could still be
 * fetched, and a deleted image must not outlive its URL anywhere (the CDN is also invalidated).
 */
export function renderCacheControl(expiresAtSeconds: number, nowMs: number): string {
  return `public, max-age=${Math.max(0, Math.floor(expiresAtSeconds - nowMs / 1000))}`;
}

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
  /** Originals above `originalMemoryMaxBytes` are rendered from a file here instead. */
  private readonly scratch: ScratchDirectory;
  private readonly originSecret?: Buffer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    @Inject(RENDER_URL_RATE_LIMITER) private readonly urlRateLimiter: RateLimiter,
    private readonly images: ImageRepository,
    private readonly uploads: UploadRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly erasures: ErasureService,
    private readonly metrics: ApiMetrics,
    private readonly userKeys: UserKeyService,
  ) {
    const render = config.render;
    this.signer = render.signingSecret ? new RenderSigner(render.signingSecret) : undefined;
    this.downloads = new RenderLimiter(render.concurrency, render.queueMax);
    this.renders = new RenderLimiter(render.concurrency, Number.POSITIVE_INFINITY);
    this.originals = new OriginalCache(render.originalCacheBytes, render.originalRecheckMs);
    this.scratch = new ScratchDirectory(config.storage.originalsTempDir);
    this.originSecret = render.originSecret ? Buffer.from(render.originSecret, 'utf8') : undefined;
  }

  /**
   * Signs only for READY images, for sizes on the configured ladder, at most
   * RENDER_URL_RATE_LIMIT_PER_MINUTE times a minute per user (each new URL can cost a render).
   */
  async createUrl(user: AuthUser, imageId: string, body: RenderUrlRequestDto): Promise<RenderUrlDto> {
    const signer = this.requireSigner();
    const { maxSide, sizeLadder, urlRatePerMinute } = this.config.render;
    const params = this.capped(
      quantizeToLadder(
        validateRenderParams(
          {
            width: body.width?.toString(),
            height: body.height?.toString(),
            fit: body.fit,
            format: body.format,
            quality: body.quality?.toString(),
          },
          maxSide,
        ),
        sizeLadder,
        maxSide,
      ),
    );
    const decision = this.urlRateLimiter.consume(user.id);
    if (!decision.allowed) {
      throw errors.rateLimited(decision.retryAfterSeconds, `At most ${urlRatePerMinute} render URLs per minute.`);
    }
    const image = await this.images.findOwned(user.id, imageId);
    if (!image) throw errors.notFound('Image', imageId);
    const upload = await this.uploads.findById(image.uploadId);
    if (upload?.status !== 'READY') throw errors.conflict(`Image ${imageId} is not READY.`);
    const token = encodeSourceToken({ userKey: this.userKeys.of(user.id), imageId });
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
   * Order: the CDN's origin header (403), parameters (400), signature and expiry (403) — no
   * I/O so far —, then the database: an image deleted, no longer READY, or whose owner is
   * being erased is 404, also for a conditional request (a 304 would tell a cache to keep
   * serving it). Then the conditional request (304), a slot in the limiter (503), and S3:
   * gone → 404; overwritten since it was verified → 409, because the new bytes are not READY
   * until the worker has judged them; else the render.
   */
  async render(
    token: string,
    query: RenderQuery,
    request: { accept?: string; ifNoneMatch?: string; originVerify?: string },
  ): Promise<RenderOutcome> {
    this.checkOrigin(request.originVerify);
    const signer = this.requireSigner();
    const params = paramsFromQuery(query, this.config.render.maxSide);
    const canonical = canonicalQuery(params);
    const now = Date.now();
    signer.verify(token, canonical, query.exp, query.sig, now);
    const source = decodeSourceToken(token);
    if (!source) throw errors.notFound('Image', 'render');
    const image = await this.images.findReady(source.imageId);
    if (!image || this.userKeys.of(image.userId) !== source.userKey || (await this.erasures.isErased(image.userId))) {
      throw errors.notFound('Image', source.imageId);
    }

    const format = negotiateFormat(params.format, request.accept);
    const rendered = this.capped({ ...params, format });
    const etag = `"${createHash('sha256')
      .update(`${image.id}\n${image.eTag}\n${canonicalQuery(rendered)}`)
      .digest('base64url')
      .slice(0, 32)}"`;
    const headers: Record<string, string> = { etag, 'cache-control': renderCacheControl(Number(query.exp), now) };
    if (params.format === 'auto') headers.vary = 'Accept';
    if (matches(request.ifNoneMatch, etag)) return { status: 304, headers };

    const output = await this.renderLimited(
      { bucket: this.config.storage.originalsBucket, key: image.key, eTag: image.eTag, maxBytes: image.bytes },
      rendered,
      format,
    );
    return {
      status: 200,
      headers: {
        ...headers,
        'content-type': output.contentType,
        'x-content-type-options': 'nosniff',
        // Helmet's API-wide same-site policy would stop other sites' pages from showing these.
        'cross-origin-resource-policy': 'cross-origin',
      },
      body: output.body,
    };
  }

  /** AVIF costs seconds of a core at large sizes: there, effort and quality are capped. */
  private capped<T extends RenderParams>(params: T): T & { effort?: number } {
    const { avifCap, maxSide } = this.config.render;
    if (params.format !== 'avif' || outputPixelBound(params, maxSide) <= avifCap.pixels) return params;
    return { ...params, quality: Math.min(params.quality, avifCap.quality), effort: avifCap.effort };
  }

  /** In production only the CDN knows the secret, so nobody can reach the origin past its cache. */
  private checkOrigin(given: string | undefined): void {
    if (!this.originSecret) return;
    const candidate = Buffer.from(given ?? '', 'utf8');
    if (candidate.length !== this.originSecret.length || !timingSafeEqual(candidate, this.originSecret)) {
      throw errors.forbidden('Render requests are accepted from the CDN only.');
    }
  }

  private async renderLimited(
    original: VerifiedObject,
    params: RenderParams & { effort?: number },
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
    const work = this.downloadThenRender(original, abort.signal, (source) =>
      renderResized(
        source,
        {
          // Neither side given: the whole image, but never larger than the output bound.
          width: params.width ?? (params.height === undefined ? maxSide : undefined),
          height: params.height ?? (params.width === undefined ? maxSide : undefined),
          fit: params.fit,
          format,
          quality: params.quality,
          effort: params.effort,
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
   * `concurrency` (plus the byte-bounded cache of recent ones). An original above
   * RENDER_ORIGINAL_MEMORY_MAX_MB is never held in memory: it is spooled to a scratch file that
   * libvips reads, bypassing the cache, and removed after the render.
   */
  private async downloadThenRender(
    original: VerifiedObject,
    signal: AbortSignal,
    render: (source: ImageSource) => Promise<RenderedImage>,
  ): Promise<RenderedImage> {
    const releaseDownload = await this.downloads.acquire();
    try {
      // Timed out while queued: give the slot to someone who is still waiting for an answer.
      if (signal.aborted) throw errors.overloaded(1, 'The render timed out while queued.');
      if (original.maxBytes > this.config.render.originalMemoryMaxBytes) {
        return await this.storage.downloadVerified(original, this.scratch, async (download) => {
          if (download.status !== 'downloaded') return this.unavailable(original.key, download.status);
          this.metrics.renderOriginalReads.inc({ source: 'file' });
          return this.renderInSlot(signal, releaseDownload, () => render(download.file));
        });
      }
      const { bucket, key, eTag } = original;
      let readFromS3 = false;
      const body = await this.originals.read(key, eTag, {
        read: () => {
          readFromS3 = true;
          return this.storage.readIfMatch(bucket, key, eTag);
        },
        check: async () => {
          const head = await this.storage.head(bucket, key);
          return head === null ? null : head.eTag === eTag ? 'current' : 'changed';
        },
      });
      if (!Buffer.isBuffer(body)) return this.unavailable(key, body === null ? 'missing' : body);
      this.metrics.renderOriginalReads.inc({ source: readFromS3 ? 's3' : 'cache' });
      return await this.renderInSlot(signal, releaseDownload, () => render(body));
    } finally {
      releaseDownload();
    }
  }

  /** Holds a render slot for `render`, giving up the download slot once it has one. */
  private async renderInSlot(
    signal: AbortSignal,
    releaseDownload: () => void,
    render: () => Promise<RenderedImage>,
  ): Promise<RenderedImage> {
    const releaseRender = await this.renders.acquire();
    releaseDownload();
    try {
      if (signal.aborted) throw errors.overloaded(1, 'The render timed out while queued.');
      return await render();
    } catch (error) {
      throw renderError(error);
    } finally {
      releaseRender();
    }
  }

  /** Gone → 404; overwritten (or grown) since it was verified → 409: the new bytes are not READY yet. */
  private unavailable(key: string, status: 'missing' | 'changed' | 'too-large'): never {
    if (status === 'missing') throw errors.notFound('Image', key.split('/').pop() ?? key);
    throw errors.conflict('The original changed since this URL was made; it is not READY again yet.');
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

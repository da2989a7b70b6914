import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { derivedVersion, renditionKey, THUMBNAIL_RENDITION, userKeyFor } from '@lib/contracts';
import { DerivedSource, RenditionRecord, RenditionRepository, RenditionWork } from '@lib/database';
import { errors } from '@lib/errors';
import { RenderedImage, renderRenditions } from '@lib/imaging';
import { ObjectStorageRepository, ScratchDirectory } from '@lib/storage';
import { BackgroundItems } from '../scheduling/background-items';

const BATCH = 10;

/**
 * Makes the standard sizes (card, large, ...) of READY images, and keeps every derived object
 * (those and the served `thumb`) in step with its source: stored object first, row second, and
 * dropped together when the source is rejected or replaced.
 */
@Injectable()
export class RenditionService {
  private readonly logger = new Logger(RenditionService.name);
  private readonly scratch: ScratchDirectory;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly renditions: RenditionRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly items: BackgroundItems,
  ) {
    this.scratch = new ScratchDirectory(config.storage.originalsTempDir);
  }

  /** Returns how many uploads got their missing renditions; only images READY `minAgeSeconds` ago. */
  async makeMissing(minAgeSeconds = 0): Promise<number> {
    const presets = this.config.storage.renditionPresets.filter((p) => p.name !== THUMBNAIL_RENDITION);
    let made = 0;
    for (const work of await this.renditions.claimWork(
      presets.map((p) => p.name),
      BATCH,
      minAgeSeconds,
    )) {
      // One bad original must not stop the batch: it is retried with backoff, then marked failed.
      const outcome = await this.items.run('renditions', work.uploadId, () => this.make(work, presets));
      if (outcome.ok && outcome.value) made++;
      if (!outcome.ok) await this.renditions.releaseClaim(work.uploadId).catch(() => undefined);
    }
    return made;
  }

  /**
   * The verified version of an original, spooled to a scratch file for `use` (libvips reads the
   * file; the original is never whole in memory), removed afterwards. Gone, overwritten or grown
   * since it was verified is an error of this item: retried (a newer event may settle it).
   */
  async withVerifiedOriginal<T>(
    work: { originalBucket: string; originalKey: string; originalETag: string; originalBytes: number },
    use: (file: string) => Promise<T>,
  ): Promise<T> {
    const object = { ...verifiedOriginal(work), maxBytes: work.originalBytes };
    return this.storage.downloadVerified(object, this.scratch, async (download) => {
      if (download.status === 'missing') throw errors.conflict('The original is no longer in the bucket.');
      if (download.status === 'changed') throw errors.conflict('The original changed since it was verified.');
      if (download.status === 'too-large') throw errors.conflict('The original is larger than when it was verified.');
      return use(download.file);
    });
  }

  /**
   * Stores one derived image of an upload, made from `source` (that exact version); false when
   * the source stopped being accepted at that version meanwhile (replaced, rejected, deleted).
   */
  async store(
    uploadId: string,
    userId: string,
    name: string,
    image: RenderedImage,
    source: DerivedSource,
  ): Promise<boolean> {
    const bucket = this.config.storage.thumbnailsBucket;
    const version = derivedVersion(this.config.userKeySecret, source);
    const key = renditionKey(userKeyFor(this.config.userKeySecret, userId), uploadId, name, version, 'webp');
    // Object first, row second: the API only links derived images whose bytes exist.
    await this.storage.put(bucket, key, image.body, image.contentType);
    const saved = await this.renditions.save({
      uploadId,
      name,
      bucket,
      key,
      contentType: image.contentType,
      bytes: image.body.length,
      width: image.width,
      height: image.height,
      sourceBucket: source.bucket,
      sourceKey: source.key,
      sourceETag: source.eTag,
    });
    if (saved.result === 'source-gone') {
      // Made from bytes that are no longer the image's (or of an image deleted meanwhile): no
      // row names it, and its key is this version's alone, so deleting it touches nothing good.
      await this.storage.delete(bucket, key);
      this.logger.log({ msg: 'derived image dropped: its source changed meanwhile', uploadId, name });
      return false;
    }
    if (saved.replacedKey) await this.storage.delete(bucket, saved.replacedKey);
    return true;
  }

  /**
   * Deletes every derived object of the upload whose source is no longer accepted at the
   * version it was made from, then its row. Run after a verdict is stored, it catches what a
   * render that was in flight across the verdict saved; objects first, so a failure leaves the
   * rows to find them by again.
   */
  async dropInvalid(uploadId: string): Promise<void> {
    const invalid = await this.renditions.listInvalid(uploadId);
    await this.dropObjectsThenRows(uploadId, invalid, 'derived images of a replaced source dropped', (keys) =>
      this.renditions.takeInvalid(uploadId, keys),
    );
  }

  /**
   * Deletes what was derived from a rejected or replaced source (all of it, `only` those names
   * or all `except` those): objects first, so a failure leaves the rows to find them by again.
   */
  async dropDerived(uploadId: string, names: { only?: string[]; except?: string[] } = {}): Promise<void> {
    const derived = (await this.renditions.listForUpload(uploadId)).filter(
      (r) => (!names.only || names.only.includes(r.name)) && !names.except?.includes(r.name),
    );
    await this.dropObjectsThenRows(uploadId, derived, 'derived images dropped with their source', () =>
      this.renditions.takeDerived(uploadId, names),
    );
  }

  /** Objects first, so a failure leaves the rows to find them by again. */
  private async dropObjectsThenRows(
    uploadId: string,
    rows: RenditionRecord[],
    msg: string,
    takeRows: (keys: string[]) => Promise<unknown>,
  ): Promise<void> {
    if (rows.length === 0) return;
    for (const object of rows) await this.storage.delete(object.bucket, object.key);
    await takeRows(rows.map((r) => r.key));
    this.logger.log({ msg, uploadId, names: rows.map((r) => r.name) });
  }

  private async make(work: RenditionWork, presets: WorkerConfig['storage']['renditionPresets']): Promise<boolean> {
    const wanted = presets.filter((p) => work.missing.includes(p.name));
    const rendered = await this.withVerifiedOriginal(work, (file) =>
      renderRenditions(file, wanted, {
        maxPixels: this.config.inspection.maxPixels,
        timeoutMs: this.config.inspection.decodeTimeoutSeconds * 1000,
      }),
    );
    for (const [name, image] of rendered) {
      if (!(await this.store(work.uploadId, work.userId, name, image, verifiedOriginal(work)))) return false;
    }
    return true;
  }
}

/** The verified original as the source of what is made from it. */
export function verifiedOriginal(work: {
  originalBucket: string;
  originalKey: string;
  originalETag: string;
}): DerivedSource {
  return { bucket: work.originalBucket, key: work.originalKey, eTag: work.originalETag };
}

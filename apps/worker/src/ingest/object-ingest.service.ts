import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import {
  ALLOWED_THUMBNAIL_TYPES,
  normaliseSequencer,
  objectScope,
  ObjectRole,
  parseObjectKey,
  parseUploadEventMessage,
  quarantineLocation,
  RejectionReason,
  THUMBNAIL_RENDITION,
  UploadEventMessage,
  userKeyOfKey,
} from '@lib/contracts';
import {
  ErasureRepository,
  ObjectOutcomeRepository,
  ObjectVerdict,
  UploadRecord,
  UploadRepository,
} from '@lib/database';
import {
  decodeAllFrames,
  HEAD_BYTES,
  inspectImage,
  Inspection,
  ObjectSample,
  RenderedImage,
  renderThumbnail,
  TAIL_BYTES,
  UndecodableImageError,
} from '@lib/imaging';
import { QueueRepository } from '@lib/queue';
import { ObjectHead, ObjectStorageRepository, ScratchDirectory, VerifiedDownload } from '@lib/storage';
import { RenditionService } from '../renditions/rendition.service';

export interface IngestResult {
  outcome: 'accepted' | 'rejected' | 'superseded' | 'dead-lettered';
  reason?: string;
}

export interface IncomingMessage {
  messageId: string;
  body: string | undefined;
  receiveCount: number;
}

interface Subject {
  message: UploadEventMessage;
  /** From the key layout; a key outside it is judged (and refused) as an original. */
  role: ObjectRole;
  upload: UploadRecord | null;
  declaredType: string | null;
  declaredSize: number | null;
  /** Base64 SHA-256 the client declared for this object (signed into a single PUT; multipart: only here). */
  declaredChecksum: string | null;
}

/** What reading the whole verified object showed: decoded (with its thumbnail), or why not. */
type Proof =
  | { kind: 'decoded'; thumbnail: RenderedImage; sha256: string }
  | { kind: 'refused'; inspection: Inspection & { ok: false } }
  | { kind: 'changed' }
  | { kind: 'missing' };

/**
 * Decides what one object-created event means and stores that outcome. Throwing leaves the
 * message on the queue for redelivery, so only transient faults may throw; everything that
 * retries cannot fix is stored as a verdict (or dead-lettered) and the message acknowledged.
 */
@Injectable()
export class ObjectIngestService {
  private readonly logger = new Logger(ObjectIngestService.name);
  private readonly scratch: ScratchDirectory;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly uploads: UploadRepository,
    private readonly outcomes: ObjectOutcomeRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly queue: QueueRepository,
    private readonly erasures: ErasureRepository,
    private readonly renditions: RenditionService,
  ) {
    this.scratch = new ScratchDirectory(config.storage.originalsTempDir);
  }

  async ingest(incoming: IncomingMessage): Promise<IngestResult> {
    const parsed = parseUploadEventMessage(incoming.body);
    if (!parsed.ok) {
      await this.deadLetter(incoming, parsed.reason);
      return { outcome: 'dead-lettered', reason: 'malformed-message' };
    }
    const { bucket, key } = parsed.value;
    const scope = objectScope(bucket, key, this.config.storage);
    if (!scope.ok) {
      // Not an upload this platform issued (a rendition, quarantine/, another bucket, a forged
      // key): nothing to judge and nothing to delete; a person looks at it in the DLQ.
      await this.deadLetter(incoming, `outside the upload layout: ${scope.reason}`);
      return { outcome: 'dead-lettered', reason: 'outside-layout' };
    }
    // Independent of each other, so they overlap: a message's latency is its slowest lookup,
    // not their sum, and the object store gets the read as soon as the message does.
    const [erased, subject, read, servedETag] = await Promise.all([
      this.ownerErased(key),
      this.resolve(parsed.value),
      this.storage.readStart(bucket, key, HEAD_BYTES),
      this.outcomes.servedETag(bucket, key),
    ]);
    if (erased) {
      // The user asked to be forgotten: an object that lands now (an upload finishing during
      // or after the erasure) is deleted, never stored; what was read of it is dropped.
      await this.storage.delete(bucket, key);
      this.logger.log({ msg: 'object of an erased user deleted', bucket });
      return { outcome: 'rejected', reason: 'user-erased' };
    }
    const head = read?.head ?? null;
    if (head && head.eTag.toLowerCase() !== subject.message.eTag.toLowerCase() && subject.message.eTag !== '') {
      // The object was overwritten after this event; the newer event will judge the new bytes.
      this.logger.log({ msg: 'stale event skipped', key: subject.message.key, sequencer: subject.message.sequencer });
      return { outcome: 'superseded' };
    }
    let inspection = read ? await this.inspect(subject, read.head, read.start) : missing();
    let thumbnail: RenderedImage | undefined;
    let sha256: string | null = null;
    if (inspection.ok && head && read) {
      const proof = await this.prove(subject, head, read.start, inspection.frames ?? 1);
      if (proof.kind === 'changed') {
        this.logger.log({ msg: 'stale event skipped', key: subject.message.key, sequencer: subject.message.sequencer });
        return { outcome: 'superseded' };
      }
      if (proof.kind === 'missing') inspection = missing();
      else if (proof.kind === 'refused') inspection = proof.inspection;
      else {
        thumbnail = proof.thumbnail;
        sha256 = proof.sha256;
      }
    }
    let verdict = this.verdict(subject, head, inspection, sha256);
    const serveThumbnail = this.servesThumbnail(subject, verdict, thumbnail);
    // Before the verdict is stored, so a failure here is retried with the message: what was
    // derived from other bytes than the object now in the bucket goes.
    if (subject.upload && head) await this.dropStale(subject, subject.upload.id, verdict, servedETag, serveThumbnail);
    let result = await this.outcomes.record(verdict);
    if (result === 'upload-gone') {
      // The upload was deleted (its owner removed the image) after it was looked up: the object
      // now belongs to no session, so it is judged and disposed of as such now, not on a retry.
      verdict = this.verdict({ ...subject, ...UNDECLARED }, head, unknownUpload(), null);
      result = await this.outcomes.record(verdict);
    }
    // A render that was in flight across this verdict may have saved what it made from the old
    // bytes just before the verdict committed; whatever no longer matches its source goes now.
    if (subject.upload) await this.renditions.dropInvalid(subject.upload.id);
    if (!verdict.accepted && head) await this.dispose(subject.message);
    if (result === 'applied' && serveThumbnail && subject.upload && head && thumbnail) {
      await this.serveThumbnail(subject, subject.upload, head, thumbnail);
    }
    this.logger.log({
      msg: 'object judged',
      key: subject.message.key,
      accepted: verdict.accepted,
      reason: verdict.accepted ? undefined : verdict.reason,
      result,
    });
    if (result !== 'applied') return { outcome: 'superseded' };
    return verdict.accepted ? { outcome: 'accepted' } : { outcome: 'rejected', reason: verdict.reason };
  }

  /**
   * READY means decodable: the whole object, read pinned to the ETag that was inspected, must
   * decode within the pixel and time bounds. It is spooled to a scratch file (hashed on the way,
   * read no further than the declared size) and libvips reads that file, so no original is ever
   * whole in memory. The thumbnail that decode makes is the proof, and is what gets served —
   * never the bytes a client sent.
   */
  private async prove(subject: Subject, head: ObjectHead, start: Buffer, frames: number): Promise<Proof> {
    const { bucket, key } = subject.message;
    // A small object came whole with the first read: reading it again would only cost a GET.
    const complete = start.length === head.size ? start : undefined;
    const object = { bucket, key, eTag: head.eTag, maxBytes: subject.declaredSize ?? head.size, complete };
    return this.storage.downloadVerified(object, this.scratch, (download) =>
      this.proveDownloaded(subject, download, frames),
    );
  }

  private async proveDownloaded(subject: Subject, download: VerifiedDownload, frames: number): Promise<Proof> {
    if (download.status === 'missing') return { kind: 'missing' };
    if (download.status === 'changed') return { kind: 'changed' };
    if (download.status === 'too-large') {
      return { kind: 'refused', inspection: tooLarge(subject.declaredSize ?? 0, `more than ${download.bytes}`) };
    }
    if (subject.declaredChecksum !== null && subject.declaredChecksum !== download.sha256) {
      return {
        kind: 'refused',
        inspection: {
          ok: false,
          reason: RejectionReason.ChecksumMismatch,
          detail: `Declared SHA-256 ${subject.declaredChecksum} but the object's is ${download.sha256}.`,
        },
      };
    }
    const limits = {
      maxPixels: this.config.inspection.maxPixels,
      timeoutSeconds: this.config.inspection.decodeTimeoutSeconds,
    };
    try {
      const thumbnail = await renderThumbnail(download.file, { maxSide: this.config.thumbnails.maxSide, ...limits });
      if (frames > 1) await decodeAllFrames(download.file, limits);
      return { kind: 'decoded', thumbnail, sha256: download.sha256 };
    } catch (error) {
      if (error instanceof UndecodableImageError) return { kind: 'refused', inspection: undecodable(error.message) };
      throw error;
    }
  }

  /** An accepted client thumbnail, or an original whose client promised none, is served re-encoded. */
  private servesThumbnail(subject: Subject, verdict: ObjectVerdict, thumbnail: RenderedImage | undefined): boolean {
    if (!verdict.accepted || !thumbnail || !subject.upload) return false;
    return subject.role === 'THUMBNAIL' || subject.upload.thumbnailKey === null;
  }

  /**
   * A rejected object takes what was derived from it along (a rejected original all of it, a
   * rejected thumbnail the served `thumb`); an original accepted with other bytes than the
   * image served so far takes the renditions of the old bytes along. They are made again from
   * the verified version.
   */
  private async dropStale(
    subject: Subject,
    uploadId: string,
    verdict: ObjectVerdict,
    servedETag: string | null,
    serveThumbnail: boolean,
  ): Promise<void> {
    if (!verdict.accepted) {
      await this.renditions.dropDerived(uploadId, subject.role === 'THUMBNAIL' ? { only: [THUMBNAIL_RENDITION] } : {});
    } else if (subject.role === 'ORIGINAL' && servedETag !== null && servedETag !== verdict.eTag) {
      await this.renditions.dropDerived(uploadId, serveThumbnail ? { except: [THUMBNAIL_RENDITION] } : {});
    }
  }

  private async serveThumbnail(
    subject: Subject,
    upload: UploadRecord,
    head: ObjectHead,
    thumbnail: RenderedImage,
  ): Promise<void> {
    const { bucket, key } = subject.message;
    await this.renditions.store(upload.id, upload.userId, THUMBNAIL_RENDITION, thumbnail, {
      bucket,
      key,
      eTag: head.eTag,
    });
    // The client's own bytes are never served (nor left where the CDN could reach them).
    if (subject.role === 'THUMBNAIL') await this.storage.delete(subject.message.bucket, subject.message.key);
  }

  private async ownerErased(key: string): Promise<boolean> {
    const userKey = userKeyOfKey(key);
    return userKey !== null && this.erasures.isErasedUserKey(userKey);
  }

  private async resolve(message: UploadEventMessage): Promise<Subject> {
    const parsedKey = parseObjectKey(message.key);
    const upload = parsedKey ? await this.uploads.findById(parsedKey.uploadId) : null;
    const { originalsBucket, thumbnailsBucket } = this.config.storage;
    const belongs =
      parsedKey !== null &&
      upload !== null &&
      (parsedKey.role === 'ORIGINAL'
        ? message.bucket === originalsBucket && upload.originalKey === message.key
        : message.bucket === thumbnailsBucket && upload.thumbnailKey === message.key);
    const role = parsedKey?.role ?? 'ORIGINAL';
    if (!belongs || !upload) return { message, role, ...UNDECLARED };
    return role === 'ORIGINAL'
      ? {
          message,
          role,
          upload,
          declaredType: upload.contentType,
          declaredSize: upload.size,
          declaredChecksum: upload.checksumSha256,
        }
      : {
          message,
          role,
          upload,
          declaredType: upload.thumbnailContentType,
          declaredSize: upload.thumbnailSize,
          declaredChecksum: upload.thumbnailChecksumSha256,
        };
  }

  private async inspect(subject: Subject, head: ObjectHead, start: Buffer): Promise<Inspection> {
    if (!subject.upload || !subject.declaredType) return unknownUpload();
    if (head.size === 0) return { ok: false, reason: RejectionReason.Empty, detail: 'The object is empty.' };
    if (subject.declaredSize !== null && head.size > subject.declaredSize) {
      return tooLarge(subject.declaredSize, String(head.size));
    }
    if (subject.declaredSize !== null && head.size !== subject.declaredSize) {
      return {
        ok: false,
        reason: RejectionReason.SizeMismatch,
        detail: `Declared ${subject.declaredSize} bytes but the object has ${head.size}.`,
      };
    }
    const sample = await this.sample(subject.message, head, start);
    if (!sample) return missing();
    return inspectImage(sample, {
      declaredType: subject.declaredType,
      maxPixels: this.config.inspection.maxPixels,
      ...(subject.role === 'THUMBNAIL' ? { allowedTypes: ALLOWED_THUMBNAIL_TYPES } : {}),
    });
  }

  /** Only the first and last bytes: memory stays flat whatever the image size. */
  private async sample(message: UploadEventMessage, head: ObjectHead, first: Buffer): Promise<ObjectSample | null> {
    if (head.size <= HEAD_BYTES) return { size: head.size, head: first, tail: first.subarray(-TAIL_BYTES) };
    const last = await this.storage.readRange(message.bucket, message.key, head.size - TAIL_BYTES, head.size - 1);
    if (!last) return null;
    return { size: head.size, head: first, tail: last };
  }

  /** `sha256`: of the bytes read and decoded (the proof), kept with an accepted original. */
  private verdict(
    subject: Subject,
    head: ObjectHead | null,
    inspection: Inspection,
    sha256: string | null,
  ): ObjectVerdict {
    const { message, upload, role } = subject;
    const base = {
      bucket: message.bucket,
      key: message.key,
      role,
      uploadId: upload?.id ?? null,
      userId: upload?.userId ?? null,
      sequencer: normaliseSequencer(message.sequencer),
      eTag: head?.eTag ?? message.eTag,
      bytes: head?.size ?? message.size,
    };
    if (!inspection.ok) return { ...base, accepted: false, reason: inspection.reason, detail: inspection.detail };
    return {
      ...base,
      accepted: true,
      contentType: inspection.contentType,
      width: inspection.width,
      height: inspection.height,
      sha256,
    };
  }

  /** A rejected object is never served: delete it, or keep it aside for a person to look at. */
  private async dispose(message: UploadEventMessage): Promise<void> {
    if (this.config.inspection.rejectedObjectAction === 'quarantine') {
      await this.storage.move(message.bucket, message.key, quarantineLocation(message.key, this.config.storage));
    } else {
      await this.storage.delete(message.bucket, message.key);
    }
  }

  /** Retries cannot fix a malformed message, so it goes to the DLQ now, with the reason. */
  private async deadLetter(incoming: IncomingMessage, reason: string): Promise<void> {
    this.logger.warn({ msg: 'malformed message dead-lettered', messageId: incoming.messageId, reason });
    await this.queue.send(this.config.queue.deadLetterQueueUrl, incoming.body || '(empty)', {
      failureReason: reason,
      failedStage: 'worker',
      sourceMessageId: incoming.messageId,
    });
  }
}

/** A subject no upload session declared anything for. */
const UNDECLARED = { upload: null, declaredType: null, declaredSize: null, declaredChecksum: null } as const;

function tooLarge(declared: number, found: string): Inspection & { ok: false } {
  return {
    ok: false,
    reason: RejectionReason.TooLarge,
    detail: `Declared ${declared} bytes but the object has ${found}.`,
  };
}

function unknownUpload(): Inspection {
  return { ok: false, reason: RejectionReason.UnknownUpload, detail: 'No upload session issued this object key.' };
}

function undecodable(detail: string): Inspection & { ok: false } {
  return { ok: false, reason: RejectionReason.Undecodable, detail: `The image does not decode: ${detail}` };
}

function missing(): Inspection {
  return { ok: false, reason: RejectionReason.ObjectMissing, detail: 'The object no longer exists in S3.' };
}

import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { awsHttpStatus, errors, fromAwsError, isAwsNotFound, withAws } from '@lib/errors';
import type { ScratchDirectory } from './scratch-directory';

export interface ObjectHead {
  size: number;
  eTag: string;
  contentType?: string;
  lastModified?: Date;
}

export interface KeyPage {
  keys: string[];
  /** Absent on the last page. */
  nextToken?: string;
}

export interface KeyDeleteError {
  key: string;
  code: string;
  message: string;
}

/** One part S3 holds of a multipart upload. */
export interface StoredPart {
  partNumber: number;
  size: number;
  eTag: string;
}

/** A multipart upload in progress (not completed, not aborted). */
export interface OpenMultipartUpload {
  key: string;
  uploadId: string;
  initiated?: Date;
}

/** Which version of which object to download, and the most bytes it may have. */
export interface VerifiedObject {
  bucket: string;
  key: string;
  eTag: string;
  maxBytes: number;
  /**
   * The object's whole body at `eTag`, when the read that found that ETag already returned all
   * of it (a small object fits in the first range read): it is spooled from memory, since one
   * response's bytes and ETag always belong together, and no second GET is made.
   */
  complete?: Buffer;
}

/**
 * What downloadVerified found. `file` exists only while the callback runs; `sha256` is base64,
 * as S3 and clients spell `x-amz-checksum-sha256`. `too-large`: the download stopped as soon as
 * the body passed `maxBytes` (`bytes` is how far it got).
 */
export type VerifiedDownload =
  | { status: 'downloaded'; file: string; bytes: number; sha256: string }
  | { status: 'too-large'; bytes: number }
  | { status: 'changed' }
  | { status: 'missing' };

class BodyTooLarge extends Error {}

async function spoolComplete(body: Buffer, maxBytes: number, file: string): Promise<VerifiedDownload> {
  if (body.length > maxBytes) return { status: 'too-large', bytes: 0 };
  try {
    await writeFile(file, body, { mode: 0o600 });
  } catch (error) {
    throw errors.dependencyUnavailable('The scratch directory', error);
  }
  return { status: 'downloaded', file, bytes: body.length, sha256: createHash('sha256').update(body).digest('base64') };
}

/** S3's limit for one DeleteObjects call. */
export const MAX_DELETE_KEYS = 1000;

function isNoSuchUpload(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'NoSuchUpload' || isAwsNotFound(error);
}

/** Every S3 call of the platform goes through here, so tests can run it for real or swap it. */
export class ObjectStorageRepository {
  constructor(private readonly s3: S3Client) {}

  /** null when the object does not exist (deleted before we got to it). */
  async head(bucket: string, key: string): Promise<ObjectHead | null> {
    return withAws(
      'S3',
      async () => {
        const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          size: out.ContentLength ?? 0,
          eTag: (out.ETag ?? '').replace(/"/g, ''),
          contentType: out.ContentType,
          lastModified: out.LastModified,
        };
      },
      (error) => (isAwsNotFound(error) ? null : undefined),
    );
  }

  /**
   * The object's metadata and its first `bytes` bytes in one ranged GET, where a HEAD and then
   * a GET would cost two requests; null if the object does not exist.
   */
  async readStart(bucket: string, key: string, bytes: number): Promise<{ head: ObjectHead; start: Buffer } | null> {
    return withAws(
      'S3',
      async () => {
        const out = await this.s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }),
        );
        const body = out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
        // "bytes 0-1023/52311": the total is the object's size. A server that ignored the range
        // sent the whole object, whose length is then the size.
        const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
        return {
          head: {
            size: total === undefined ? (out.ContentLength ?? body.length) : Number(total),
            eTag: (out.ETag ?? '').replace(/"/g, ''),
            contentType: out.ContentType,
            lastModified: out.LastModified,
          },
          start: body.subarray(0, bytes),
        };
      },
      async (error) => {
        if (isAwsNotFound(error)) return null;
        // No byte of an empty object can be asked for (416): only then is a HEAD needed.
        if (awsHttpStatus(error) !== 416) return undefined;
        const head = await this.head(bucket, key);
        return head && { head, start: Buffer.alloc(0) };
      },
    );
  }

  /** Reads bytes [start, end] inclusive; null if the object vanished meanwhile. */
  async readRange(bucket: string, key: string, start: number, end: number): Promise<Buffer | null> {
    return withAws(
      'S3',
      async () => {
        const out = await this.s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
        );
        if (!out.Body) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      },
      (error) => (isAwsNotFound(error) ? null : undefined),
    );
  }

  /** Streams the object's body, so large originals never sit whole in memory. */
  async openStream(bucket: string, key: string): Promise<Readable | null> {
    return withAws(
      'S3',
      async () => {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (out.Body as Readable | undefined) ?? Readable.from([]);
      },
      (error) => (isAwsNotFound(error) ? null : undefined),
    );
  }

  /**
   * The whole object, but only if it still has `eTag`: 'changed' when it was overwritten since
   * (S3 answers 412), null when it is gone. For callers that bound object size and concurrency.
   */
  async readIfMatch(bucket: string, key: string, eTag: string): Promise<Buffer | null | 'changed'> {
    return withAws(
      'S3',
      async () => {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: `"${eTag}"` }));
        return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
      },
      (error) => (isAwsNotFound(error) ? null : awsHttpStatus(error) === 412 ? ('changed' as const) : undefined),
    );
  }

  /**
   * The verified version (`eTag`, pinned with If-Match) streamed into a file of `scratch`,
   * hashed on the way, and handed to `use`; the file is removed when `use` settles, also when
   * anything throws. Memory stays at a few stream chunks whatever the object's size, and an
   * object larger than `maxBytes` costs at most `maxBytes` of disk before it is dropped.
   */
  async downloadVerified<T>(
    object: VerifiedObject,
    scratch: ScratchDirectory,
    use: (download: VerifiedDownload) => Promise<T>,
  ): Promise<T> {
    return scratch.withFile(async (file) => use(await this.downloadTo(object, file)));
  }

  private async downloadTo(object: VerifiedObject, file: string): Promise<VerifiedDownload> {
    const { bucket, key, eTag, maxBytes, complete } = object;
    if (complete) return spoolComplete(complete, maxBytes, file);
    const got = await withAws(
      'S3',
      async () => {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: `"${eTag}"` }));
        return { body: (out.Body as Readable | undefined) ?? Readable.from([]), declaredLength: out.ContentLength };
      },
      (error): VerifiedDownload | undefined =>
        isAwsNotFound(error) ? { status: 'missing' } : awsHttpStatus(error) === 412 ? { status: 'changed' } : undefined,
    );
    if ('status' in got) return got;
    const { body, declaredLength } = got;
    if (declaredLength !== undefined && declaredLength > maxBytes) {
      body.destroy();
      return { status: 'too-large', bytes: 0 };
    }
    // Counted on the bytes themselves too: a Content-Length is a claim, not a bound.
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > maxBytes) return done(new BodyTooLarge());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const sink = createWriteStream(file, { mode: 0o600 });
    let diskFailed = false;
    sink.once('error', () => (diskFailed = true));
    try {
      await pipeline(body, meter, sink);
    } catch (error) {
      if (error instanceof BodyTooLarge) return { status: 'too-large', bytes };
      // A full or unwritable disk is this host's fault, not S3's; retried all the same.
      if (diskFailed) throw errors.dependencyUnavailable('The scratch directory', error);
      throw fromAwsError('S3', error);
    }
    return { status: 'downloaded', file, bytes, sha256: hash.digest('base64') };
  }

  async put(bucket: string, key: string, body: Buffer, contentType: string): Promise<string> {
    return withAws('S3', async () => {
      const out = await this.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
      return (out.ETag ?? '').replace(/"/g, '');
    });
  }

  /** Deleting a missing key succeeds, as in S3 itself: callers may retry freely. */
  async delete(bucket: string, key: string): Promise<void> {
    await withAws(
      'S3',
      () => this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
      (error) => (isAwsNotFound(error) ? null : undefined),
    );
  }

  /** Copies then deletes; `to` may be in another bucket (quarantine is always the private one). */
  async move(bucket: string, key: string, to: { bucket: string; key: string }): Promise<void> {
    const copied = await withAws(
      'S3',
      async () => {
        await this.s3.send(
          new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: `${bucket}/${encodeURIComponent(key)}` }),
        );
        return true;
      },
      (error) => (isAwsNotFound(error) ? false : undefined),
    );
    if (copied) await this.delete(bucket, key);
  }

  /** One page (at most `maxKeys`, S3 caps it at 1,000) of the keys under a prefix. */
  async listKeys(bucket: string, prefix: string, continuationToken?: string, maxKeys = 1000): Promise<KeyPage> {
    return withAws('S3', async () => {
      const out = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
        }),
      );
      const keys = (out.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      return {
        keys,
        ...(out.IsTruncated && out.NextContinuationToken ? { nextToken: out.NextContinuationToken } : {}),
      };
    });
  }

  /**
   * Deletes up to 1,000 keys in one request. S3 answers per key, so a partly failed call
   * does not throw: it returns the keys it could not delete. A missing key counts as deleted.
   */
  async deleteMany(bucket: string, keys: string[]): Promise<KeyDeleteError[]> {
    if (keys.length === 0) return [];
    if (keys.length > MAX_DELETE_KEYS) throw new RangeError(`at most ${MAX_DELETE_KEYS} keys per DeleteObjects`);
    return withAws('S3', async () => {
      const out = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      return (out.Errors ?? [])
        .filter((e) => e.Code !== 'NoSuchKey')
        .map((e) => ({ key: e.Key ?? '', code: e.Code ?? 'Unknown', message: e.Message ?? '' }));
    });
  }

  /**
   * Starts a multipart upload server-side, so its key and Content-Type are the server's. No
   * ChecksumAlgorithm: with one, S3 requires every part's checksum in the client's
   * CompleteMultipartUpload body, which browser uploaders (Uppy) do not send; a part signed
   * with `x-amz-checksum-sha256` is still checked by S3.
   */
  async createMultipartUpload(bucket: string, key: string, contentType: string): Promise<string> {
    return withAws('S3', async () => {
      const out = await this.s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
      );
      if (!out.UploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
      return out.UploadId;
    });
  }

  /** Every part S3 holds of the upload, in order (all pages); null when the upload is gone. */
  async listParts(bucket: string, key: string, uploadId: string): Promise<StoredPart[] | null> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    return withAws(
      'S3',
      async () => {
        do {
          const out = await this.s3.send(
            new ListPartsCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              ...(marker ? { PartNumberMarker: marker } : {}),
            }),
          );
          for (const part of out.Parts ?? []) {
            parts.push({
              partNumber: part.PartNumber ?? 0,
              size: part.Size ?? 0,
              eTag: (part.ETag ?? '').replace(/"/g, ''),
            });
          }
          marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
        } while (marker);
        return parts.sort((a, b) => a.partNumber - b.partNumber);
      },
      (error) => (isNoSuchUpload(error) ? null : undefined),
    );
  }

  /** An upload already aborted or completed counts as aborted: callers may retry freely. */
  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await withAws(
      'S3',
      () => this.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
      (error) => (isNoSuchUpload(error) ? null : undefined),
    );
  }

  /** The multipart uploads in progress under `prefix` (all pages). */
  async listMultipartUploads(bucket: string, prefix: string): Promise<OpenMultipartUpload[]> {
    const uploads: OpenMultipartUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    return withAws('S3', async () => {
      for (;;) {
        const out = await this.s3.send(
          new ListMultipartUploadsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        );
        for (const upload of out.Uploads ?? []) {
          if (upload.Key && upload.UploadId) {
            uploads.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated });
          }
        }
        if (!out.IsTruncated) return uploads;
        keyMarker = out.NextKeyMarker;
        uploadIdMarker = out.NextUploadIdMarker;
      }
    });
  }

  async ping(bucket: string): Promise<void> {
    return withAws('S3', async () => {
      await this.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    });
  }
}

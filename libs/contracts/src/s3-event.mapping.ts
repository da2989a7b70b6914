import type { S3EventRecord } from 'aws-lambda';
import { isUploadKey } from './object-key';
import type { UploadEventMessage } from './upload-event.message';

/** S3 event keys are form-encoded: `+` is a space, everything else percent-encoded. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export function toUploadEventMessage(record: S3EventRecord): UploadEventMessage | null {
  if (!record.eventName?.startsWith('ObjectCreated:')) return null;
  const key = decodeS3Key(record.s3.object.key);
  if (!isUploadKey(key)) return null;
  return {
    v: 1,
    bucket: record.s3.bucket.name,
    key,
    size: record.s3.object.size ?? 0,
    eTag: record.s3.object.eTag ?? '',
    ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
    sequencer: record.s3.object.sequencer,
    eventTime: record.eventTime,
    eventName: record.eventName,
  };
}

/** S3's bounds on multipart uploads: every part but the last is at least 5 MiB; at most 10,000 parts. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
export const S3_MAX_PARTS = 10_000;
/**
 * ListParts answers at most this many parts per request (then IsTruncated). @uppy/aws-s3 6.x reads
 * only the first page when it resumes, so a session must never have more parts: the configuration
 * caps MULTIPART_MAX_BYTES at 2^31 - 1 and parts at no less than 5 MiB, hence at most 410 parts.
 */
export const S3_LIST_PARTS_PAGE = 1000;

export interface MultipartPlan {
  /** Every part but the last has exactly this size. */
  partSize: number;
  partCount: number;
}

/**
 * How an object of `size` bytes is cut into parts: `partSize = max(configured, ceil(size / 10000))`
 * (so there are never more than 10,000 parts), `partCount = ceil(size / partSize)`. Clients read
 * both from the session (or compute them the same way); the API signs each part's exact length.
 */
export function multipartPlan(size: number, configuredPartSize: number): MultipartPlan {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('size must be a positive integer');
  if (!Number.isSafeInteger(configuredPartSize) || configuredPartSize < S3_MIN_PART_BYTES) {
    throw new RangeError(`the part size must be an integer of at least ${S3_MIN_PART_BYTES} bytes`);
  }
  const partSize = Math.max(configuredPartSize, Math.ceil(size / S3_MAX_PARTS));
  return { partSize, partCount: Math.ceil(size / partSize) };
}

/** The exact length of part `partNumber` (1-based): `partSize`, or what remains for the last part. */
export function partLength(size: number, plan: MultipartPlan, partNumber: number): number {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.partCount) {
    throw new RangeError(`partNumber must be an integer from 1 to ${plan.partCount}`);
  }
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}

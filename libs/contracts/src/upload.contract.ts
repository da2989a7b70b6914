export const UPLOAD_STATUSES = ['PENDING', 'READY', 'REJECTED', 'EXPIRED'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/**
 * The only types the platform stores and serves: the API refuses any other declared type, the
 * worker any other type sniffed from the bytes (HEIC/HEIF, SVG, TIFF… are `type-not-allowed`).
 */
export const ALLOWED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'] as const;
export type AllowedImageType = (typeof ALLOWED_IMAGE_TYPES)[number];

export const ALLOWED_THUMBNAIL_TYPES = ['image/webp', 'image/jpeg'] as const;
export type AllowedThumbnailType = (typeof ALLOWED_THUMBNAIL_TYPES)[number];

/** Why the worker refused an object: stable codes, shown to the client with plain words. */
export enum RejectionReason {
  ObjectMissing = 'object-missing',
  Empty = 'empty',
  NotAnImage = 'not-an-image',
  TypeNotAllowed = 'type-not-allowed',
  TypeMismatch = 'type-mismatch',
  TooManyPixels = 'too-many-pixels',
  Corrupt = 'corrupt',
  /** The header was fine but the pixels did not decode fully within the pixel and time bounds. */
  Undecodable = 'undecodable',
  /** Fewer bytes than declared (more than declared is `too-large`). */
  SizeMismatch = 'size-mismatch',
  UnknownUpload = 'unknown-upload',
  /** More bytes than declared: the worker stops reading at the declared size. */
  TooLarge = 'too-large',
  /** The whole object's SHA-256 differs from the `checksumSha256` declared for it (multipart too). */
  ChecksumMismatch = 'checksum-mismatch',
}

/**
 * Longest `wait` of GET /v1/uploads/:id?wait=N (seconds): well inside the idle timeouts of load
 * balancers and proxies (AWS ALB: 60 s) and of browsers, so a held request is never cut.
 */
export const UPLOAD_STATUS_MAX_WAIT_SECONDS = 20;

/** The worker (or the sweep) has not decided yet: a status long-poll keeps waiting on these. */
export function isUndecided(status: UploadStatus): boolean {
  return status === 'PENDING';
}

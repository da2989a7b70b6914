/**
 * Object keys are made by the server, never from the client's filename. They name the owner
 * by a pseudonym (see user-key.ts), never by the user id: keys end up in every presigned and CDN
 * URL, and identity providers' subjects are often e-mail addresses.
 */
export const ORIGINALS_PREFIX = 'originals/';
export const THUMBNAILS_PREFIX = 'thumbnails/';
export const QUARANTINE_PREFIX = 'quarantine/';

export type ObjectRole = 'ORIGINAL' | 'THUMBNAIL';

export interface ParsedObjectKey {
  role: ObjectRole;
  userKey: string;
  uploadId: string;
}

/** What a `sub` claim may contain to be accepted as a user id (Auth0 and Cognito ids fit). */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@|:-]{1,128}$/;
/** A user pseudonym: 128 bits of an HMAC, lowercase hex. */
export const USER_KEY_PATTERN = /^[0-9a-f]{32}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function originalKey(userKey: string, uploadId: string): string {
  return `${ORIGINALS_PREFIX}${userKey}/${uploadId}`;
}

export function thumbnailKey(userKey: string, uploadId: string): string {
  return `${THUMBNAILS_PREFIX}${userKey}/${uploadId}`;
}

export function parseObjectKey(key: string): ParsedObjectKey | null {
  const parts = key.split('/');
  if (parts.length !== 3) return null;
  const [prefix, userKey, uploadId] = parts as [string, string, string];
  if (!USER_KEY_PATTERN.test(userKey) || !UUID_PATTERN.test(uploadId)) return null;
  if (prefix + '/' === ORIGINALS_PREFIX) return { role: 'ORIGINAL', userKey, uploadId };
  if (prefix + '/' === THUMBNAILS_PREFIX) return { role: 'THUMBNAIL', userKey, uploadId };
  return null;
}

export function isUploadKey(key: string): boolean {
  return key.startsWith(ORIGINALS_PREFIX) || key.startsWith(THUMBNAILS_PREFIX);
}

/**
 * Pre-made sizes live in the thumbnails bucket outside `thumbnails/`: the bucket's S3
 * notification covers that prefix only, so writing them raises no events to verify.
 */
export const RENDITIONS_PREFIX = 'renditions/';

/** Every derived object of an upload is under this prefix (deleting an image empties it). */
export function renditionPrefix(userKey: string, uploadId: string): string {
  return `${RENDITIONS_PREFIX}${userKey}/${uploadId}/`;
}

/**
 * `version` names the source version the object was made from (derivedVersion), so an object
 * made from old bytes never shares a key with one made from new bytes: a late write of a stale
 * rendition cannot overwrite a good one, and deleting it cannot delete the good one.
 */
export function renditionKey(
  userKey: string,
  uploadId: string,
  name: string,
  version: string,
  extension: string,
): string {
  return `${renditionPrefix(userKey, uploadId)}${name}.${version}.${extension}`;
}

/**
 * Where a rejected object is kept for a person to look at: always the private originals
 * bucket (the thumbnails bucket is the one the CDN fronts), under `quarantine/` and the key's
 * own role prefix (`quarantine/originals/…`, `quarantine/thumbnails/…`), so erasure finds it
 * by the user's prefixes and one lifecycle rule expires it.
 */
export function quarantineLocation(key: string, buckets: { originalsBucket: string }): { bucket: string; key: string } {
  return { bucket: buckets.originalsBucket, key: `${QUARANTINE_PREFIX}${key}` };
}

/** The pseudonym an upload's keys are under, read from its original's key (null outside the layout). */
export function userKeyOfOriginal(originalKey: string): string | null {
  const parsed = parseObjectKey(originalKey);
  return parsed?.role === 'ORIGINAL' ? parsed.userKey : null;
}

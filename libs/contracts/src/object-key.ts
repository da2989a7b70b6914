/**
 * Object keys are made by the server, never from the client's filename, so the key alone
 * says whose object it is and which upload it belongs to.
 */
export const ORIGINALS_PREFIX = 'originals/';
export const THUMBNAILS_PREFIX = 'thumbnails/';
export const QUARANTINE_PREFIX = 'quarantine/';

export type ObjectRole = 'ORIGINAL' | 'THUMBNAIL';

export interface ParsedObjectKey {
  role: ObjectRole;
  userId: string;
  uploadId: string;
}

/** What a `sub` claim may contain to become part of a key (Auth0 and Cognito ids fit). */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@|:-]{1,128}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function originalKey(userId: string, uploadId: string): string {
  return `${ORIGINALS_PREFIX}${userId}/${uploadId}`;
}

export function thumbnailKey(userId: string, uploadId: string): string {
  return `${THUMBNAILS_PREFIX}${userId}/${uploadId}`;
}

export function parseObjectKey(key: string): ParsedObjectKey | null {
  const parts = key.split('/');
  if (parts.length !== 3) return null;
  const [prefix, userId, uploadId] = parts as [string, string, string];
  if (!USER_ID_PATTERN.test(userId) || !UUID_PATTERN.test(uploadId)) return null;
  if (prefix + '/' === ORIGINALS_PREFIX) return { role: 'ORIGINAL', userId, uploadId };
  if (prefix + '/' === THUMBNAILS_PREFIX) return { role: 'THUMBNAIL', userId, uploadId };
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

export function renditionKey(userId: string, uploadId: string, name: string, extension: string): string {
  return `${RENDITIONS_PREFIX}${userId}/${uploadId}/${name}.${extension}`;
}

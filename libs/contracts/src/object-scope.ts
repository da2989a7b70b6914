import { ORIGINALS_PREFIX, THUMBNAILS_PREFIX, type ObjectRole } from './object-key';

/** The rendition name of the served thumbnail, whether re-encoded from the client's or made from the original. */
export const THUMBNAIL_RENDITION = 'thumb';

export interface ScopeBuckets {
  originalsBucket: string;
  thumbnailsBucket: string;
}

export type ObjectScope = { ok: true; role: ObjectRole; uploadId: string } | { ok: false; reason: string };

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * The user segment is opaque here (a user id or a pseudonym, as `object-key.ts` makes it): only
 * what can never be part of a key this platform makes is refused — separators, dot segments,
 * percent escapes, whitespace and control or format characters (bidi overrides among them).
 */
const USER_SEGMENT = /^(?!\.{1,2}$)[^/\\%\s\p{C}]{1,128}$/u;

/**
 * Whether an object-created message names something the worker may act on at all: one of the
 * configured buckets, and exactly the upload key layout that bucket holds
 * (`originals/{user}/{uploadId}` in the originals bucket, `thumbnails/{user}/{uploadId}` in the
 * thumbnails bucket). Anything else — another bucket, renditions, `quarantine/`, extra or empty
 * segments, traversal-looking keys — is refused with a reason, so nothing outside the layout is
 * ever judged, let alone deleted.
 */
export function objectScope(bucket: string, key: string, buckets: ScopeBuckets): ObjectScope {
  const role: ObjectRole | null =
    bucket === buckets.originalsBucket ? 'ORIGINAL' : bucket === buckets.thumbnailsBucket ? 'THUMBNAIL' : null;
  if (!role) return { ok: false, reason: 'bucket is not one of the configured upload buckets' };
  const prefix = role === 'ORIGINAL' ? ORIGINALS_PREFIX : THUMBNAILS_PREFIX;
  if (!key.startsWith(prefix))
    return { ok: false, reason: `key is outside ${prefix} in the ${role.toLowerCase()}s bucket` };
  const segments = key.slice(prefix.length).split('/');
  if (segments.length !== 2) return { ok: false, reason: 'key does not have the {user}/{uploadId} layout' };
  const [user, uploadId] = segments as [string, string];
  if (!USER_SEGMENT.test(user)) return { ok: false, reason: 'key has an invalid user segment' };
  if (!UPLOAD_ID.test(uploadId)) return { ok: false, reason: 'key has an invalid upload id segment' };
  return { ok: true, role, uploadId };
}

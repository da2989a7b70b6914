import { createHmac } from 'node:crypto';
import {
  ORIGINALS_PREFIX,
  QUARANTINE_PREFIX,
  RENDITIONS_PREFIX,
  THUMBNAILS_PREFIX,
  USER_KEY_PATTERN,
} from './object-key';
import { userKeyFor } from './user-key';

export type ErasureStateName = 'REQUESTED' | 'RUNNING' | 'COMPLETED' | 'FAILED';

/** What an erasure's status routes and the CLI show: counts and times, never whose data it was. */
export interface ErasureStatus {
  id: string;
  state: ErasureStateName;
  phase: string;
  requestedBy: string;
  objectsDeleted: number;
  rowsDeleted: number;
  failedKeys: number;
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When the CDN's copies of the user's images were invalidated (after completion). */
  cdnInvalidatedAt: string | null;
}

/**
 * The keyed hash that stands for a user id once the erasure is done. Keyed (HMAC), not a
 * plain SHA-256, so nobody without the secret can confirm a guessed id against the record.
 */
export function erasureUserHash(salt: string, userId: string): string {
  return createHmac('sha256', salt).update(userId, 'utf8').digest('hex');
}

/** Every name an erasure knows a user by: the id, its audit hash, its pseudonym in keys. */
export interface ErasureSubject {
  userId: string;
  userIdHash: string;
  userKey: string;
}

export function erasureSubject(userId: string, secrets: { auditSalt: string; userKeySecret: string }): ErasureSubject {
  return {
    userId,
    userIdHash: erasureUserHash(secrets.auditSalt, userId),
    userKey: userKeyFor(secrets.userKeySecret, userId),
  };
}

const USER_PREFIXES = [ORIGINALS_PREFIX, THUMBNAILS_PREFIX, RENDITIONS_PREFIX];

/**
 * Every place an object of the user may live, per bucket. Each bucket is listed under every
 * prefix (not only the ones the key layout puts there), so a stray object written to the
 * wrong bucket, or moved aside to quarantine, is found as well.
 */
export function erasureTargets(
  userKey: string,
  buckets: { originalsBucket: string; thumbnailsBucket: string },
): { bucket: string; prefix: string }[] {
  const prefixes = USER_PREFIXES.flatMap((p) => [`${p}${userKey}/`, `${QUARANTINE_PREFIX}${p}${userKey}/`]);
  return [buckets.originalsBucket, buckets.thumbnailsBucket].flatMap((bucket) =>
    prefixes.map((prefix) => ({ bucket, prefix })),
  );
}

/** The user pseudonym a key is under by the key layout, or null for keys outside it. */
export function userKeyOfKey(key: string): string | null {
  const rest = key.startsWith(QUARANTINE_PREFIX) ? key.slice(QUARANTINE_PREFIX.length) : key;
  const prefix = USER_PREFIXES.find((p) => rest.startsWith(p));
  if (!prefix) return null;
  const userKey = rest.slice(prefix.length).split('/')[0];
  return userKey && USER_KEY_PATTERN.test(userKey) ? userKey : null;
}

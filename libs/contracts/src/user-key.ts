import { createHmac } from 'node:crypto';

/**
 * The one place a user's pseudonym is made: a keyed HMAC of the user id, so it is stable (erasure
 * finds every object of a user by prefix) and nobody without the secret can compute it from, or
 * confirm it against, a guessed id. Rotating the secret orphans existing prefixes.
 */
export function userKeyFor(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`user-key-v1\n${userId}`, 'utf8').digest('hex').slice(0, 32);
}

/**
 * Names one version of a source object in the keys of what is derived from it: keyed, so the
 * key carries neither the ETag (an MD5 of the bytes for single-part uploads) nor anything that
 * confirms a guessed one; deterministic, so re-rendering the same version writes the same key.
 */
export function derivedVersion(secret: string, source: { key: string; eTag: string }): string {
  return createHmac('sha256', secret)
    .update(`derived-v1\n${source.key}\n${source.eTag}`, 'utf8')
    .digest('hex')
    .slice(0, 16);
}

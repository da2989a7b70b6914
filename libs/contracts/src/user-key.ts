import { createHmac } from 'node:crypto';

/**
 * The one place a user's pseudonym is made: a keyed HMAC of the user id, so it is stable (erasure
 * finds every object of a user by prefix) and nobody without the secret can compute it from, or
 * confirm it against, a guessed id. Rotating the secret orphans existing prefixes.
 */
export function userKeyFor(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`user-key-v1\n${userId}`, 'utf8').digest('hex').slice(0, 32);
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { renderToken } from '@lib/cdn';
import { errors } from '@lib/errors';

/**
 * What a render URL names: the owner's pseudonym (so a user's renders share one CDN path
 * prefix, which erasure invalidates at once) and the image id. Nothing in it is the user id,
 * the object key, an ETag or any other hash of the content: the image is looked up by id.
 */
export interface RenderSource {
  userKey: string;
  imageId: string;
}

const TOKEN = /^([0-9a-f]{32})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeSourceToken(source: RenderSource): string {
  return renderToken(source.userKey, source.imageId);
}

export function decodeSourceToken(token: string): RenderSource | null {
  const match = TOKEN.exec(token);
  return match ? { userKey: match[1]!, imageId: match[2]! } : null;
}

/**
 * HMAC-SHA256 over the source token, the canonical parameters and the expiry. Only the API
 * holds the secret, so nobody can mint new sizes (each a cache miss that costs a render),
 * and a forged or expired URL is refused before the database or S3 is asked anything.
 */
export class RenderSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(token: string, canonicalQuery: string, expiresAt: number): string {
    return createHmac('sha256', this.key)
      .update(`render-v2\n${token}\n${canonicalQuery}\n${expiresAt}`)
      .digest('base64url');
  }

  /** Throws 403 for a wrong signature or a past expiry; compares in constant time. */
  verify(token: string, canonicalQuery: string, exp: string | undefined, sig: string | undefined, now: number): void {
    if (!exp || !/^[0-9]{1,12}$/.test(exp) || !sig) {
      throw errors.forbidden('The render URL is not signed.');
    }
    const expected = Buffer.from(this.sign(token, canonicalQuery, Number(exp)), 'utf8');
    const given = Buffer.from(sig, 'utf8');
    // timingSafeEqual needs equal lengths; the length of a valid signature is no secret.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw errors.forbidden('The render URL signature does not match its parameters.');
    }
    if (Number(exp) * 1000 <= now) throw errors.forbidden('The render URL has expired.');
  }
}

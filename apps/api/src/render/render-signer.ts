import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors } from '@lib/errors';

/** The original a render URL is for, packed into one opaque path segment. */
export interface RenderSource {
  /** Bucket-relative key of the verified original. */
  key: string;
  /** The original's ETag when it was READY: a later overwrite no longer matches. */
  eTag: string;
}

export function encodeSourceToken(source: RenderSource): string {
  return Buffer.from(`${source.key}\n${source.eTag}`, 'utf8').toString('base64url');
}

export function decodeSourceToken(token: string): RenderSource | null {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(token)) return null;
  const [key, eTag, ...rest] = Buffer.from(token, 'base64url').toString('utf8').split('\n');
  if (!key || !eTag || rest.length > 0) return null;
  return { key, eTag };
}

/**
 * HMAC-SHA256 over the source token, the canonical parameters and the expiry. Only the API
 * holds the secret, so nobody can mint new sizes (each a cache miss that costs a render),
 * and checking a URL needs neither the database nor S3.
 */
export class RenderSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(token: string, canonicalQuery: string, expiresAt: number): string {
    return createHmac('sha256', this.key)
      .update(`render-v1\n${token}\n${canonicalQuery}\n${expiresAt}`)
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

import { Inject, Injectable } from '@nestjs/common';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  JWTPayload,
  jwtVerify,
  JWTVerifyOptions,
  JWTVerifyResult,
  SignJWT,
} from 'jose';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { USER_ID_PATTERN } from '@lib/contracts';
import { errors } from '@lib/errors';
import type { AuthUser } from './auth-user';

type Verify = (token: string, options: JWTVerifyOptions) => Promise<JWTVerifyResult>;

/** Verified tokens remembered per process: enough for every active client, a few MB at most. */
const VERIFIED_CACHE_MAX = 10_000;
/** A key dropped from the JWKS stops admitting tokens already seen within this long. */
const VERIFIED_CACHE_MS = 5 * 60_000;

/**
 * Verifies bearer tokens: HS256 with a shared secret locally, or RS256/ES256 against a JWKS
 * in production. Algorithms are pinned, so `alg: none` and algorithm-confusion tokens fail.
 */
@Injectable()
export class TokenService {
  private readonly verifyJwt: Verify;
  private readonly algorithms: string[];
  private readonly secret?: Uint8Array;
  /**
   * A client sends the same token with every request until it expires; verifying its signature
   * once instead of every time takes a third of the cost of issuing an upload. Keyed by the whole
   * token, so a changed byte is a miss; an entry never outlives the token's own expiry.
   */
  private readonly verified = new Map<string, { user: AuthUser; validUntil: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: ApiConfig) {
    const { jwksUrl, jwtSecret } = config.auth;
    this.secret = jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined;
    if (jwksUrl) {
      const jwks = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      this.verifyJwt = (token, options) => jwtVerify(token, jwks, options);
      this.algorithms = ['RS256', 'ES256'];
    } else {
      const secret = this.secret!;
      this.verifyJwt = (token, options) => jwtVerify(token, secret, options);
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string): Promise<AuthUser> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known && known.validUntil > now) return known.user;
    if (known) this.verified.delete(token);
    const { user, expiresAt } = await this.verifyUncached(token);
    // jose accepts a token until exp + clock tolerance; so does the cache, never longer.
    const validUntil = Math.min(expiresAt + this.config.auth.clockSkewSeconds * 1000, now + VERIFIED_CACHE_MS);
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { user, validUntil });
    return user;
  }

  private async verifyUncached(token: string): Promise<{ user: AuthUser; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      const { payload: verified } = await this.verifyJwt(token, {
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        clockTolerance: this.config.auth.clockSkewSeconds,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
      });
      payload = verified;
    } catch (error) {
      throw errors.unauthenticated(describeJoseError(error));
    }
    // jose checks `sub` is present, not that it is a string: `"sub": 42` must not become a user id.
    if (typeof payload.sub !== 'string' || !USER_ID_PATTERN.test(payload.sub)) {
      throw errors.unauthenticated('The token subject is missing or not a valid user id.');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    // Shared by every request that presents this token until it expires: nobody may change it.
    const user: AuthUser = Object.freeze({ id: payload.sub, roles: Object.freeze(roles) as string[] });
    // requiredClaims makes exp present.
    return { user, expiresAt: payload.exp! * 1000 };
  }

  /** Dev tokens only: signed with the local HS256 secret. */
  async signDevToken(userId: string, roles: string[]): Promise<{ token: string; expiresAt: Date }> {
    if (!this.secret) throw errors.forbidden('Dev tokens need AUTH_JWT_SECRET.');
    const expiresAt = new Date(Date.now() + this.config.auth.devTokenTtlSeconds * 1000);
    const token = await new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(this.config.auth.issuer)
      .setAudience(this.config.auth.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.secret);
    return { token, expiresAt };
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not valid.`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The token is signed with an algorithm that is not accepted.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token was signed by an unknown key.';
  return 'The token could not be verified.';
}

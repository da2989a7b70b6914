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

/**
 * Verifies bearer tokens: HS256 with a shared secret locally, or RS256/ES256 against a JWKS
 * in production. Algorithms are pinned, so `alg: none` and algorithm-confusion tokens fail.
 */
@Injectable()
export class TokenService {
  private readonly verifyJwt: Verify;
  private readonly algorithms: string[];
  private readonly secret?: Uint8Array;

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
    if (!payload.sub || !USER_ID_PATTERN.test(payload.sub)) {
      throw errors.unauthenticated('The token subject is missing or not a valid user id.');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { id: payload.sub, roles };
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

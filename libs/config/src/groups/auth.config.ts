import { z } from 'zod';
import { ConfigOf, envBoolean, envInt } from '../env-values';
import { isProduction, RuntimeEnv } from './runtime.config';

export const authEnv = z.object({
  DEV_TOKEN_ENABLED: envBoolean.default('false'),
  AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_ISSUER: z.string().min(1).default('image-upload-platform'),
  AUTH_AUDIENCE: z.string().min(1).default('image-upload-api'),
  AUTH_CLOCK_SKEW_SECONDS: envInt(0, 300).default(30),
  DEV_TOKEN_TTL_SECONDS: envInt(60, 24 * 3600).default(3600),
});

export type AuthEnv = z.output<typeof authEnv>;

export function checkAuthEnv(env: AuthEnv & RuntimeEnv, ctx: z.RefinementCtx): void {
  if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['AUTH_JWT_SECRET'],
      message: 'set AUTH_JWT_SECRET (HS256, local use) or AUTH_JWKS_URL (RS256/ES256, production)',
    });
  }
  if (env.DEV_TOKEN_ENABLED && !env.AUTH_JWT_SECRET) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['DEV_TOKEN_ENABLED'],
      message: 'the dev token endpoint signs with AUTH_JWT_SECRET, which is not set',
    });
  }
  if (env.DEV_TOKEN_ENABLED && isProduction(env)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['DEV_TOKEN_ENABLED'],
      message: 'the dev token endpoint must never be enabled with NODE_ENV=production',
    });
  }
}

export function toAuthConfig(env: AuthEnv) {
  return {
    jwtSecret: env.AUTH_JWT_SECRET,
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    clockSkewSeconds: env.AUTH_CLOCK_SKEW_SECONDS,
    devTokenEnabled: env.DEV_TOKEN_ENABLED,
    devTokenTtlSeconds: env.DEV_TOKEN_TTL_SECONDS,
  };
}

export type AuthConfig = ConfigOf<ReturnType<typeof toAuthConfig>>;

import { z } from 'zod';
import { LOCAL_ERASURE_AUDIT_SALT, LOCAL_USER_KEY_SECRET } from './groups/erasure.config';
import { isProduction, RuntimeEnv } from './groups/runtime.config';
import { LOCAL_JWT_SECRET, LOCAL_RENDER_SIGNING_SECRET } from './local-env';

/**
 * Secrets published in this repository (local defaults, compose, docs). With
 * NODE_ENV=production none of them is accepted, nor anything that reads like a placeholder.
 */
export const WELL_KNOWN_SECRETS: readonly string[] = [
  LOCAL_JWT_SECRET,
  LOCAL_RENDER_SIGNING_SECRET,
  LOCAL_ERASURE_AUDIT_SALT,
  LOCAL_USER_KEY_SECRET,
];
const PLACEHOLDER_SECRET = /local-only|not-a-secret|do-not-use|change-?me|placeholder/i;

const PRODUCTION_SECRETS = [
  'AUTH_JWT_SECRET',
  'RENDER_SIGNING_SECRET',
  'ERASURE_AUDIT_SALT',
  'USER_KEY_SECRET',
  'RENDER_ORIGIN_SECRET',
] as const;

/** Checked across groups: each app reads only some of these secrets, and refuses a known one. */
export function refuseWellKnownSecrets(
  env: Partial<Record<(typeof PRODUCTION_SECRETS)[number], string>> & RuntimeEnv,
  ctx: z.RefinementCtx,
): void {
  if (!isProduction(env)) return;
  for (const name of PRODUCTION_SECRETS) {
    const value = env[name];
    if (value !== undefined && (WELL_KNOWN_SECRETS.includes(value) || PLACEHOLDER_SECRET.test(value))) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [name],
        message: 'is a well-known local value; production needs a secret of its own',
      });
    }
  }
}

import { z } from 'zod';

/** Read from the loader's input like every other variable, so a test or a CLI can pass its own. */
export const runtimeEnv = z.object({
  NODE_ENV: z.string().optional(),
});

export type RuntimeEnv = z.output<typeof runtimeEnv>;

/** `production` forbids the local conveniences (dev token, well-known secrets, default keys, /docs). */
export function isProduction(env: RuntimeEnv): boolean {
  return env.NODE_ENV === 'production';
}

import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** Read by everything that inspects or redrives the uploads DLQ (worker, API admin routes, CLI). */
export const dlqEnv = z.object({
  // Long enough to read a sample, short enough that a peek never holds messages for long.
  DLQ_PEEK_VISIBILITY_SECONDS: envInt(1, 60).default(5),
});

export function toDlqConfig(env: z.output<typeof dlqEnv>) {
  return {
    /** How long a peek hides the messages it reads before handing them back. */
    peekVisibilitySeconds: env.DLQ_PEEK_VISIBILITY_SECONDS,
  };
}

export type DlqConfig = ConfigOf<ReturnType<typeof toDlqConfig>>;

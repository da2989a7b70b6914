import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** How the worker judges an uploaded original. */
export const inspectionEnv = z.object({
  IMAGE_MAX_PIXELS: envInt(1, 1_000_000_000).default(50_000_000),
  // An image is READY only once it decoded in full within this time (else REJECTED undecodable).
  IMAGE_DECODE_TIMEOUT_SECONDS: envInt(1, 600).default(30),
  REJECTED_OBJECT_ACTION: z.enum(['delete', 'quarantine']).default('delete'),
});

export function toInspectionConfig(env: z.output<typeof inspectionEnv>) {
  return {
    maxPixels: env.IMAGE_MAX_PIXELS,
    decodeTimeoutSeconds: env.IMAGE_DECODE_TIMEOUT_SECONDS,
    rejectedObjectAction: env.REJECTED_OBJECT_ACTION,
  };
}

export type InspectionConfig = ConfigOf<ReturnType<typeof toInspectionConfig>>;

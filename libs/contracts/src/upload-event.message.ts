import { z } from 'zod';

/**
 * The message the forwarder puts on the uploads queue for every object-created event.
 * Versioned: consumers must refuse versions they do not know rather than guess.
 */
export const uploadEventMessageV1 = z
  .object({
    v: z.literal(1),
    bucket: z.string().min(3).max(63),
    /** Already URL-decoded (S3 events encode spaces as `+`). */
    key: z.string().min(1).max(1024),
    size: z.number().int().min(0),
    eTag: z.string().max(128),
    versionId: z.string().max(1024).optional(),
    /** Hex string S3 uses to order events of the same key. */
    sequencer: z.string().regex(/^[0-9A-Fa-f]{1,64}$/, 'must be a hex string'),
    eventTime: z.string().datetime({ offset: true }),
    eventName: z.string().startsWith('ObjectCreated:'),
  })
  .strict();

export type UploadEventMessage = z.infer<typeof uploadEventMessageV1>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseUploadEventMessage(body: string | undefined): ParseResult<UploadEventMessage> {
  if (!body) return { ok: false, reason: 'empty message body' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const result = uploadEventMessageV1.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { ok: false, reason: `invalid message: ${issue.path.join('.') || '(root)'} ${issue.message}` };
  }
  return { ok: true, value: result.data };
}

/**
 * S3 sequencers are hex strings of varying length; AWS says to left-pad the shorter one
 * with zeros before comparing. Storing them normalised lets the database compare them.
 */
export function normaliseSequencer(sequencer: string): string {
  return sequencer.toUpperCase().padStart(32, '0');
}

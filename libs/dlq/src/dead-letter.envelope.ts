import type { Message } from '@aws-sdk/client-sqs';
import type { S3EventRecord } from 'aws-lambda';
import { z } from 'zod';
import { decodeS3Key, toUploadEventMessage } from '@lib/contracts';

export type FailedStage = 'forwarder' | 'worker';

/**
 * Which of the shapes that share the DLQ a message has:
 * - `worker-dead-letter`: a body the worker could not parse, sent by the worker itself with
 *   `failedStage`/`failureReason`/`sourceMessageId` attributes;
 * - `redriven-upload-event`: a v1 upload event SQS moved here after maxReceiveCount (the worker
 *   kept failing on it, typically a dependency being down);
 * - `lambda-destination`: the forwarder Lambda's on-failure destination record;
 * - `unknown`: anything else (kept and shown, never dropped).
 */
export type DeadLetterEnvelope = 'worker-dead-letter' | 'redriven-upload-event' | 'lambda-destination' | 'unknown';

export interface DeadLetter {
  messageId: string;
  stage: FailedStage;
  envelope: DeadLetterEnvelope;
  /** Decoded S3 object keys the message is about; empty when the body names none. */
  objectKeys: string[];
  reason: string;
  /**
   * Lambda's invoke count for forwarder failures; otherwise SQS's ApproximateReceiveCount,
   * which also counts the receives made to inspect the DLQ.
   */
  receiveCount: number;
  /** When SQS took the message (for messages SQS redrove: when it was first sent). */
  sentAt: Date | null;
}

export const MAX_EXCEEDED_REASON = 'exceeded maxReceiveCount';
const MAX_REASON_LENGTH = 500;

const lambdaDestinationRecord = z.object({
  requestContext: z.object({
    condition: z.string().optional(),
    approximateInvokeCount: z.number().optional(),
  }),
  requestPayload: z.unknown(),
  responsePayload: z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).nullish(),
});
type LambdaDestinationRecord = z.infer<typeof lambdaDestinationRecord>;

const s3EventPayload = z.object({
  Records: z.array(z.object({ s3: z.object({ object: z.object({ key: z.string() }) }) })),
});

function parseJson(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

function safeDecode(key: string): string {
  try {
    return decodeS3Key(key);
  } catch {
    // A key with a broken %-escape is still worth showing as it came.
    return key;
  }
}

function s3Records(payload: unknown): S3EventRecord[] {
  // Validated for the fields read here, but returned as it came: parsing would strip the rest.
  return s3EventPayload.safeParse(payload).success ? (payload as { Records: S3EventRecord[] }).Records : [];
}

function keyOf(json: unknown): string[] {
  const key = (json as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' && key.length > 0 ? [key] : [];
}

function lambdaReason(record: LambdaDestinationRecord): string {
  const { errorType, errorMessage } = record.responsePayload ?? {};
  const error = [errorType, errorMessage].filter(Boolean).join(': ');
  const condition = record.requestContext.condition;
  if (error && condition) return `${error} (${condition})`;
  return error || condition || 'unknown forwarder failure';
}

/** Reads any message of the uploads DLQ; never throws, whatever the body holds. */
export function parseDeadLetter(message: Message): DeadLetter {
  const sent = Number(message.Attributes?.SentTimestamp);
  const base = {
    messageId: message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : null,
  };
  const json = parseJson(message.Body);
  const failedStage = attribute(message, 'failedStage');
  if (failedStage === 'worker' || failedStage === 'forwarder') {
    return {
      ...base,
      stage: failedStage,
      envelope: 'worker-dead-letter',
      objectKeys: keyOf(json),
      reason: truncate(attribute(message, 'failureReason') ?? 'unknown'),
    };
  }
  const lambda = lambdaDestinationRecord.safeParse(json);
  if (lambda.success) {
    return {
      ...base,
      stage: 'forwarder',
      envelope: 'lambda-destination',
      objectKeys: s3Records(lambda.data.requestPayload).map((r) => safeDecode(r.s3.object.key)),
      reason: truncate(lambdaReason(lambda.data)),
      receiveCount: lambda.data.requestContext.approximateInvokeCount ?? base.receiveCount,
    };
  }
  const keys = keyOf(json);
  if (keys.length > 0) {
    return {
      ...base,
      stage: 'worker',
      envelope: 'redriven-upload-event',
      objectKeys: keys,
      reason: MAX_EXCEEDED_REASON,
    };
  }
  return { ...base, stage: 'worker', envelope: 'unknown', objectKeys: [], reason: 'unknown (unrecognised message)' };
}

/**
 * The bodies that go back on the uploads queue for one DLQ message. A forwarder failure is
 * replayed the way the forwarder would have sent it (one upload event per object-created
 * record); anything else goes back as it came, and the worker judges it again.
 */
export function redriveBodies(message: Message): string[] {
  const lambda = lambdaDestinationRecord.safeParse(parseJson(message.Body));
  if (!lambda.success || attribute(message, 'failedStage')) return [message.Body ?? ''];
  const bodies: string[] = [];
  for (const record of s3Records(lambda.data.requestPayload)) {
    try {
      const event = toUploadEventMessage(record);
      if (event) bodies.push(JSON.stringify(event));
    } catch {
      // A record with a broken key cannot be replayed; the message stays in the DLQ.
    }
  }
  return bodies;
}

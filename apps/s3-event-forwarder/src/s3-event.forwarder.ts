import type { S3Event } from 'aws-lambda';
import { toUploadEventMessage } from '@lib/contracts';
import type { FailedEntry, OutgoingMessage, QueueRepository } from '@lib/queue';
import { SQS_MAX_BATCH } from '@lib/queue';

export interface ForwarderLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ForwarderDeps {
  queue: Pick<QueueRepository, 'sendBatch'>;
  queueUrl: string;
  maxAttempts: number;
  baseDelayMs: number;
  log: ForwarderLog;
  sleep?: (ms: number) => Promise<void>;
}

export interface ForwardResult {
  forwarded: number;
  skipped: number;
}

// The mapping lives in @lib/contracts so the DLQ redrive can replay a failed S3Event the same way.
export { decodeS3Key, toUploadEventMessage } from '@lib/contracts';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ForwardingFailedError extends Error {
  constructor(readonly failures: FailedEntry[]) {
    super(
      `${failures.length} message(s) could not be sent to SQS: ` +
        failures
          .slice(0, 3)
          .map((f) => `${f.code} ${f.message}`)
          .join('; '),
    );
    this.name = 'ForwardingFailedError';
  }
}

/**
 * Sends one chunk, retrying only the entries SQS refused. A failure that survives every
 * attempt is thrown, so Lambda retries the whole event and finally hands it to the DLQ.
 */
async function sendChunk(deps: ForwarderDeps, chunk: OutgoingMessage[]): Promise<void> {
  const sleep = deps.sleep ?? defaultSleep;
  let pending = chunk;
  let failures: FailedEntry[] = [];
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    try {
      failures = await deps.queue.sendBatch(deps.queueUrl, pending);
    } catch (error) {
      failures = pending.map((m) => ({
        id: m.id,
        code: 'RequestFailed',
        message: error instanceof Error ? error.message : String(error),
        senderFault: false,
      }));
    }
    if (failures.length === 0) return;
    // A sender fault (a message SQS will never accept) does not get better with retries.
    if (failures.every((f) => f.senderFault)) break;
    const failedIds = new Set(failures.map((f) => f.id));
    pending = pending.filter((m) => failedIds.has(m.id));
    if (attempt < deps.maxAttempts) {
      const delay = deps.baseDelayMs * 2 ** (attempt - 1);
      deps.log.warn('retrying failed entries', { attempt, failed: failures.length, delayMs: delay });
      await sleep(delay + Math.floor(Math.random() * delay));
    }
  }
  throw new ForwardingFailedError(failures);
}

export async function forwardS3Event(event: S3Event, deps: ForwarderDeps): Promise<ForwardResult> {
  const messages: OutgoingMessage[] = [];
  let skipped = 0;
  for (const record of event.Records ?? []) {
    const message = toUploadEventMessage(record);
    const s3RequestId = record.responseElements?.['x-amz-request-id'];
    if (!message) {
      skipped++;
      deps.log.info('skipped record', { eventName: record.eventName, bucket: record.s3?.bucket?.name, s3RequestId });
      continue;
    }
    messages.push({ id: String(messages.length), body: JSON.stringify(message) });
    deps.log.info('forwarding record', {
      bucket: message.bucket,
      key: message.key,
      sequencer: message.sequencer,
      s3RequestId,
    });
  }
  for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) {
    await sendChunk(deps, messages.slice(i, i + SQS_MAX_BATCH));
  }
  return { forwarded: messages.length, skipped };
}

import type { Message } from '@aws-sdk/client-sqs';
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, DlqConfig, SharedConfig } from '@lib/config';
import type { OutgoingMessage } from '@lib/queue';
import { QueueRepository, SQS_MAX_BATCH } from '@lib/queue';
import { DeadLetter, parseDeadLetter, redriveBodies } from './dead-letter.envelope';

export interface DlqRepositoryOptions {
  deadLetterQueueUrl: string;
  uploadsQueueUrl: string;
  peekVisibilitySeconds: number;
  /** How long a redrive holds the messages it is moving or skipping; released when done. */
  redriveVisibilitySeconds?: number;
  now?: () => number;
}

export interface DlqStats {
  /** Everything SQS holds: visible, in flight (being peeked or moved) and delayed. */
  depth: number;
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface DlqPeek {
  stats: DlqStats;
  /** Among the sampled messages (SQS has no "oldest message" query); null when none read. */
  oldestAgeSeconds: number | null;
  messages: DeadLetter[];
}

/** `max` bounds one call (an HTTP request should not run for minutes); call again for more. */
export type RedriveSelection = { all: true; max?: number } | { messageIds: string[] };

export interface RedriveProgress {
  moved: number;
  failed: number;
  /** The DLQ depth when the redrive began (for "all"), or the number of ids asked for. */
  total: number;
}

export interface RedriveFailure {
  messageId: string;
  reason: string;
}

export interface RedriveResult {
  moved: number;
  /** Ids asked for that are no longer in the DLQ (already moved or deleted): not moved. */
  missing: string[];
  failed: RedriveFailure[];
}

export const MAX_PEEK = 50;
const DEFAULT_REDRIVE_VISIBILITY_SECONDS = 30;
/** SentTimestamp is SQS's clock, the cutoff ours; NTP keeps them far closer than this. */
const CLOCK_SKEW_MS = 5_000;

interface Held {
  id: string;
  receiptHandle: string;
}

/**
 * The uploads dead-letter queue, through QueueRepository. Reading never consumes: a peek
 * hides messages for a few seconds and hands them back at once. A redrive sends to the
 * uploads queue first and deletes from the DLQ only after SQS took the copy, so a crash in
 * between duplicates a message (the worker is idempotent) and never loses one.
 */
export class DlqRepository {
  private readonly now: () => number;

  constructor(
    private readonly queue: QueueRepository,
    private readonly options: DlqRepositoryOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get queueName(): string {
    return queueNameOf(this.options.deadLetterQueueUrl);
  }

  async stats(): Promise<DlqStats> {
    const { visible, inFlight, delayed } = await this.queue.depth(this.options.deadLetterQueueUrl);
    return { depth: visible + inFlight + delayed, visible, inFlight, delayed };
  }

  async peek(limit: number): Promise<DlqPeek> {
    const wanted = Math.max(0, Math.min(limit, MAX_PEEK));
    const stats = await this.stats();
    const received = new Map<string, Message>();
    try {
      while (received.size < wanted) {
        const batch = await this.queue.receive(
          this.options.deadLetterQueueUrl,
          Math.min(SQS_MAX_BATCH, wanted - received.size),
          this.options.peekVisibilitySeconds,
        );
        if (batch.length === 0) break;
        for (const message of batch) received.set(message.MessageId ?? '', message);
      }
    } finally {
      await this.release([...received.values()].map(held));
    }
    const messages = [...received.values()].map(parseDeadLetter);
    const sent = messages.map((m) => m.sentAt?.getTime()).filter((t): t is number => t !== undefined);
    const oldestAgeSeconds = sent.length ? Math.max(0, Math.round((this.now() - Math.min(...sent)) / 1000)) : null;
    return { stats, oldestAgeSeconds, messages };
  }

  /**
   * A message hidden by someone else's receive at that moment (a concurrent peek, for a few
   * seconds at most) is not seen: by id it is reported missing, and running again moves it.
   */
  async redrive(selection: RedriveSelection, onProgress?: (progress: RedriveProgress) => void): Promise<RedriveResult> {
    const wanted = 'messageIds' in selection ? new Set(selection.messageIds) : null;
    const max = 'all' in selection ? (selection.max ?? Infinity) : Infinity;
    const total = wanted ? wanted.size : Math.min(max, (await this.stats()).depth);
    // Messages that land after the start (e.g. a malformed one the worker dead-letters again
    // at once) are left for the next redrive, so "all" always ends.
    const startedAt = this.now();
    const seen = new Set<string>();
    const skipped = new Map<string, Held>();
    const result: RedriveResult = { moved: 0, missing: [], failed: [] };
    try {
      while ((!wanted || wanted.size > 0) && result.moved + result.failed.length < max) {
        const batch = await this.queue.receive(
          this.options.deadLetterQueueUrl,
          SQS_MAX_BATCH,
          this.options.redriveVisibilitySeconds ?? DEFAULT_REDRIVE_VISIBILITY_SECONDS,
          // Long polling asks every SQS server, so an empty answer really means empty.
          1,
        );
        const fresh = batch.filter((m) => !seen.has(m.MessageId ?? ''));
        if (fresh.length === 0) {
          batch.forEach((m) => skipped.set(m.MessageId ?? '', held(m)));
          break;
        }
        const toMove: Message[] = [];
        for (const message of fresh) {
          const id = message.MessageId ?? '';
          seen.add(id);
          const sent = Number(message.Attributes?.SentTimestamp ?? 0);
          const room = result.moved + result.failed.length + toMove.length < max;
          const selected = wanted ? wanted.delete(id) : room && sent <= startedAt + CLOCK_SKEW_MS;
          if (selected) toMove.push(message);
          else skipped.set(id, held(message));
        }
        const failed = await this.move(toMove);
        for (const failure of failed) {
          const message = toMove.find((m) => m.MessageId === failure.messageId);
          if (message) skipped.set(failure.messageId, held(message));
        }
        result.moved += toMove.length - failed.length;
        result.failed.push(...failed);
        onProgress?.({ moved: result.moved, failed: result.failed.length, total });
      }
    } finally {
      await this.release([...skipped.values()]);
    }
    result.missing = wanted ? [...wanted] : [];
    return result;
  }

  /** Sends the copies, then deletes the originals SQS accepted every copy of. */
  private async move(messages: Message[]): Promise<RedriveFailure[]> {
    const failures = new Map<string, string>();
    const entries: (OutgoingMessage & { source: string })[] = [];
    for (const message of messages) {
      const id = message.MessageId ?? '';
      const bodies = redriveBodies(message);
      if (bodies.length === 0) failures.set(id, 'no upload event to replay in this message');
      bodies.forEach((body) =>
        entries.push({ id: String(entries.length), body, attributes: { redrivenFrom: id }, source: id }),
      );
    }
    for (let i = 0; i < entries.length; i += SQS_MAX_BATCH) {
      const chunk = entries.slice(i, i + SQS_MAX_BATCH);
      const refused = await this.queue.sendBatch(
        this.options.uploadsQueueUrl,
        chunk.map(({ source: _source, ...entry }) => entry),
      );
      for (const failure of refused) {
        const source = chunk.find((e) => e.id === failure.id)?.source ?? '';
        failures.set(source, `uploads queue refused it: ${failure.code} ${failure.message}`.trim());
      }
    }
    const done = messages.filter((m) => !failures.has(m.MessageId ?? '')).map(held);
    for (let i = 0; i < done.length; i += SQS_MAX_BATCH) {
      // A delete SQS refuses leaves a copy in the DLQ that a later redrive sends again: a
      // duplicate the worker absorbs, so the message still counts as moved.
      await this.queue.deleteBatch(this.options.deadLetterQueueUrl, done.slice(i, i + SQS_MAX_BATCH));
    }
    return [...failures].map(([messageId, reason]) => ({ messageId, reason }));
  }

  /** Makes held messages visible again; best effort, since they reappear on their own anyway. */
  private async release(messages: Held[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) {
      try {
        await this.queue.changeVisibilityBatch(
          this.options.deadLetterQueueUrl,
          messages.slice(i, i + SQS_MAX_BATCH).map((m, index) => ({
            id: String(index),
            receiptHandle: m.receiptHandle,
            visibilityTimeoutSeconds: 0,
          })),
        );
      } catch {
        // Their visibility timeout runs out by itself.
      }
    }
  }
}

/** The uploads DLQ as the apps configure it (worker, API and CLI alike). */
export function createDlqRepository(queue: QueueRepository, config: SharedConfig & { dlq: DlqConfig }): DlqRepository {
  return new DlqRepository(queue, {
    deadLetterQueueUrl: config.queue.deadLetterQueueUrl,
    uploadsQueueUrl: config.queue.uploadsQueueUrl,
    peekVisibilitySeconds: config.dlq.peekVisibilitySeconds,
  });
}

/** For app modules that already provide APP_CONFIG and QueueRepository. */
export const dlqRepositoryProvider: Provider = {
  provide: DlqRepository,
  inject: [APP_CONFIG, QueueRepository],
  useFactory: (config: SharedConfig & { dlq: DlqConfig }, queue: QueueRepository) => createDlqRepository(queue, config),
};

function held(message: Message): Held {
  return { id: message.MessageId ?? '', receiptHandle: message.ReceiptHandle ?? '' };
}

export function queueNameOf(queueUrl: string): string {
  return queueUrl.split('/').filter(Boolean).at(-1) ?? queueUrl;
}

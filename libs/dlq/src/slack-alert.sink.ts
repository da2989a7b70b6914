import { setTimeout as delay } from 'node:timers/promises';
import { FetchFunction, IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import type { AlertSink, DlqAlert } from './alert-sink';
import { renderSlackAlert, SlackMessage } from './slack-alert.renderer';

export interface AlertLogger {
  warn(message: object): void;
  error(message: object): void;
}

export interface SlackAlertSinkOptions {
  webhookUrl: string;
  timeoutMs: number;
  /** Retries after the first attempt; 5xx, 429 and network faults are retried, other 4xx not. */
  maxRetries: number;
  retryBaseMs: number;
  logger: AlertLogger;
  /** A Retry-After longer than this is cut to it, so one alert never stalls the monitor for long. */
  maxRetryAfterMs?: number;
  fetch?: FetchFunction;
}

type Attempt = { ok: true } | { ok: false; status?: number; retryAfterMs?: number; error: string };

const MAX_BACKOFF_MS = 30_000;

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Posts alerts to a Slack incoming webhook. The client's own retries are off: this sink
 * retries itself so it can honour Retry-After on 429 (the client does not expose it) and
 * stop at once when the worker shuts down.
 */
export class SlackAlertSink implements AlertSink {
  readonly kind = 'slack' as const;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: SlackAlertSinkOptions) {
    this.fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchFunction);
  }

  async deliver(alert: DlqAlert, signal?: AbortSignal): Promise<boolean> {
    const message = renderSlackAlert(alert);
    const context = { kind: alert.kind, queue: alert.queueName, depth: alert.depth };
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return false;
      const outcome = await this.post(message, signal);
      if (outcome.ok) return true;
      const retryable = outcome.status === undefined || outcome.status === 429 || outcome.status >= 500;
      if (!retryable || attempt >= this.options.maxRetries || signal?.aborted) {
        this.options.logger.error({
          msg: retryable ? 'Slack alert not delivered; giving up until the next check' : 'Slack refused the alert',
          ...context,
          status: outcome.status,
          error: outcome.error,
          attempts: attempt + 1,
        });
        return false;
      }
      const waitMs = outcome.retryAfterMs ?? this.backoff(attempt);
      this.options.logger.warn({
        msg: 'Slack alert failed; retrying',
        ...context,
        status: outcome.status,
        error: outcome.error,
        attempt: attempt + 1,
        waitMs,
      });
      try {
        await delay(waitMs, undefined, { signal, ref: false });
      } catch {
        return false;
      }
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(MAX_BACKOFF_MS, this.options.retryBaseMs * 2 ** attempt);
    // Jitter, so tasks that failed together do not retry in lockstep.
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async post(message: SlackMessage, signal?: AbortSignal): Promise<Attempt> {
    let retryAfter: string | null = null;
    const fetchFn = this.fetchFn;
    const webhook = new IncomingWebhook(this.options.webhookUrl, {
      timeout: this.options.timeoutMs,
      retryConfig: { retries: 0 },
      fetch: async (url, init) => {
        const signals = [init?.signal, signal].filter((s): s is AbortSignal => s !== undefined);
        const response = await fetchFn(url, { ...init, signal: signals.length ? AbortSignal.any(signals) : undefined });
        retryAfter = response.headers.get('retry-after');
        return response;
      },
    });
    try {
      await webhook.send(message);
      return { ok: true };
    } catch (error) {
      if (error instanceof IncomingWebhookHTTPError) {
        const retryAfterMs = parseRetryAfter(retryAfter);
        return {
          ok: false,
          status: error.statusCode,
          retryAfterMs:
            retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, this.options.maxRetryAfterMs ?? 60_000),
          error: `${error.statusCode} ${String(error.body).slice(0, 200)}`,
        };
      }
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { DlqAlert } from './alert-sink';
import { MAX_ALERT_SAMPLES } from './alert-sink';
import type { DeadLetter } from './dead-letter.envelope';

export type SlackMessage = Required<Pick<IncomingWebhookSendArguments, 'text' | 'blocks'>>;

export const INSPECT_ROUTE = 'GET /v1/admin/dlq';
export const REDRIVE_ROUTE = 'POST /v1/admin/dlq/redrive';
export const REDRIVE_COMMAND = 'npm run dlq -- redrive --all';

const MAX_KEY_LENGTH = 120;
const MAX_REASON_LENGTH = 300;

/** Slack's mrkdwn treats these three as control characters, even inside code spans. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

function messages(count: number): string {
  return `${count} message${count === 1 ? '' : 's'}`;
}

/** Slack shows `<!date^…>` in the reader's own time zone; the fallback is UTC. */
function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

function headline(alert: DlqAlert): string {
  const queue = alert.queueName;
  switch (alert.kind) {
    case 'first':
      return `:rotating_light: ${messages(alert.depth)} in ${queue}`;
    case 'update':
      return `:chart_with_upwards_trend: ${queue} grew to ${messages(alert.depth)}`;
    case 'reminder':
      return `:alarm_clock: ${queue} still holds ${messages(alert.depth)}`;
    case 'recovered':
      return `:white_check_mark: ${queue} is empty again`;
  }
}

/** The plain text Slack puts in notifications and lock screens, where blocks do not show. */
function fallbackText(alert: DlqAlert): string {
  const plain = headline(alert).replace(/^:[a-z_]+: /, '');
  if (alert.kind === 'recovered') return `DLQ ${plain}`;
  const oldest = alert.oldestAgeSeconds === null ? '' : ` (oldest ${formatDuration(alert.oldestAgeSeconds)})`;
  return `DLQ ${plain}${oldest}. Redrive with ${REDRIVE_ROUTE} or \`${REDRIVE_COMMAND}\`.`;
}

function sampleLine(sample: DeadLetter, index: number, now: Date): string {
  const [first, ...rest] = sample.objectKeys;
  const key = first
    ? `\`${escapeMrkdwn(clip(first, MAX_KEY_LENGTH))}\`${rest.length ? ` (+${rest.length} more)` : ''}`
    : '_no object key_';
  const facts = [
    `*${sample.stage}*`,
    `${sample.receiveCount} ${sample.stage === 'forwarder' ? 'invocation' : 'receive'}${sample.receiveCount === 1 ? '' : 's'}`,
    ...(sample.sentAt ? [`${formatDuration((now.getTime() - sample.sentAt.getTime()) / 1000)} ago`] : []),
  ];
  return `${index + 1}. ${key}\n${facts.join(' · ')}\n> ${escapeMrkdwn(clip(sample.reason, MAX_REASON_LENGTH))}`;
}

/**
 * Block Kit for one alert. Short lines and two-column fields, no tables or wide code blocks,
 * so it reads on a phone; the redrive route and command are in every alert that needs one.
 */
export function renderSlackAlert(alert: DlqAlert): SlackMessage {
  const blocks: SlackMessage['blocks'] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline(alert), 150), emoji: true } },
  ];
  if (alert.kind === 'recovered') {
    const since = alert.firstSeenAt
      ? ` after ${formatDuration((alert.at.getTime() - alert.firstSeenAt.getTime()) / 1000)}`
      : '';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `\`${escapeMrkdwn(alert.queueName)}\` drained${since}. It held up to ${messages(alert.peakDepth)}.`,
      },
    });
    return { text: fallbackText(alert), blocks };
  }

  const count = alert.kind === 'update' ? `${alert.depth} (was ${alert.previousDepth})` : String(alert.depth);
  blocks.push({
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: `*Queue*\n\`${escapeMrkdwn(alert.queueName)}\`` },
      { type: 'mrkdwn', text: `*Messages*\n${count}` },
      {
        type: 'mrkdwn',
        text: `*Oldest*\n${alert.oldestAgeSeconds === null ? 'unknown' : formatDuration(alert.oldestAgeSeconds)}`,
      },
      { type: 'mrkdwn', text: `*First seen*\n${alert.firstSeenAt ? slackDate(alert.firstSeenAt) : 'just now'}` },
    ],
  });
  const samples = alert.samples.slice(0, MAX_ALERT_SAMPLES);
  if (samples.length > 0) {
    blocks.push({ type: 'divider' });
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Samples* (${samples.length} of ${alert.depth})` },
    });
    samples.forEach((sample, index) =>
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: sampleLine(sample, index, alert.at) } }),
    );
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text:
          `Inspect: \`${INSPECT_ROUTE}\`\n` +
          `Redrive: \`${REDRIVE_ROUTE}\` with \`{"all":true}\` or \`{"messageIds":[…]}\`\n` +
          `CLI: \`${REDRIVE_COMMAND}\` (fix the cause first)`,
      },
    ],
  });
  return { text: fallbackText(alert), blocks };
}

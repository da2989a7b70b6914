import type { DlqAlert } from './alert-sink';
import type { DeadLetter } from './dead-letter.envelope';
import { formatDuration, REDRIVE_COMMAND, REDRIVE_ROUTE, renderSlackAlert } from './slack-alert.renderer';

const AT = new Date('2026-11-22T12:00:00.000Z');

function sample(i: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    messageId: `m-${i}`,
    stage: 'worker',
    envelope: 'worker-dead-letter',
    objectKeys: [`originals/alice/key-${i}`],
    reason: 'invalid message: v Invalid literal value, expected 1',
    receiveCount: 1,
    sentAt: new Date(AT.getTime() - 90_000),
    ...overrides,
  };
}

function alert(overrides: Partial<DlqAlert> = {}): DlqAlert {
  return {
    kind: 'first',
    queueName: 'uploads-dlq',
    depth: 50,
    previousDepth: 0,
    peakDepth: 50,
    firstSeenAt: new Date(AT.getTime() - 20_000),
    oldestAgeSeconds: 754,
    samples: Array.from({ length: 8 }, (_, i) => sample(i)),
    at: AT,
    ...overrides,
  };
}

/** All the text a reader sees, block by block. */
function texts(message: ReturnType<typeof renderSlackAlert>): string[] {
  return message.blocks.flatMap((block) => {
    const b = block as {
      text?: { text: string };
      fields?: { text: string }[];
      elements?: { text: string }[];
    };
    return [b.text?.text, ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text)].filter(
      (t): t is string => typeof t === 'string',
    );
  });
}

describe('renderSlackAlert', () => {
  it('says which queue, how many, how old, and how to redrive, in the header, fields and footer', () => {
    const message = renderSlackAlert(alert());
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: 50 messages in uploads-dlq', emoji: true },
    });
    const all = texts(message).join('\n');
    expect(all).toContain('*Queue*\n`uploads-dlq`');
    expect(all).toContain('*Messages*\n50');
    expect(all).toContain('*Oldest*\n12 min');
    expect(all).toContain(REDRIVE_ROUTE);
    expect(all).toContain(REDRIVE_COMMAND);
    expect(message.text).toBe(
      `DLQ 50 messages in uploads-dlq (oldest 12 min). Redrive with ${REDRIVE_ROUTE} or \`${REDRIVE_COMMAND}\`.`,
    );
  });

  it('shows at most five samples, each with key, stage, receive count and reason', () => {
    const lines = texts(renderSlackAlert(alert())).filter((t) => /^\d\. /.test(t));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      '1. `originals/alice/key-0`\n*worker* · 1 receive · 1 min ago\n> invalid message: v Invalid literal value, expected 1',
    );
    expect(texts(renderSlackAlert(alert()))).toContain('*Samples* (5 of 50)');
  });

  it('names forwarder failures as such, with invocations and every key counted', () => {
    const forwarder = sample(0, {
      stage: 'forwarder',
      envelope: 'lambda-destination',
      objectKeys: ['originals/a/1', 'originals/a/2', 'originals/a/3'],
      receiveCount: 3,
      reason: 'ForwardingFailedError: boom (RetriesExhausted)',
    });
    const line = texts(renderSlackAlert(alert({ samples: [forwarder] }))).find((t) => t.startsWith('1. '));
    expect(line).toBe(
      '1. `originals/a/1` (+2 more)\n*forwarder* · 3 invocations · 1 min ago\n> ForwardingFailedError: boom (RetriesExhausted)',
    );
  });

  it('escapes what Slack would read as links or mentions', () => {
    const hostile = sample(0, { objectKeys: ['originals/<!channel>/x'], reason: 'a <@U123> & <https://evil>' });
    const all = texts(renderSlackAlert(alert({ samples: [hostile] }))).join('\n');
    expect(all).toContain('originals/&lt;!channel&gt;/x');
    expect(all).toContain('a &lt;@U123&gt; &amp; &lt;https://evil&gt;');
    expect(all).not.toContain('<!channel>');
  });

  it('says what an update grew from', () => {
    const message = renderSlackAlert(alert({ kind: 'update', depth: 80, previousDepth: 50 }));
    expect((message.blocks[0] as { text: { text: string } }).text.text).toBe(
      ':chart_with_upwards_trend: uploads-dlq grew to 80 messages',
    );
    expect(texts(message)).toContain('*Messages*\n80 (was 50)');
  });

  it('reminds with the current count', () => {
    const message = renderSlackAlert(alert({ kind: 'reminder', depth: 1, samples: [] }));
    expect((message.blocks[0] as { text: { text: string } }).text.text).toBe(
      ':alarm_clock: uploads-dlq still holds 1 message',
    );
    expect(message.blocks.some((b) => b.type === 'divider')).toBe(false);
  });

  it('renders "recovered" briefly, without samples or redrive hints', () => {
    const message = renderSlackAlert(
      alert({ kind: 'recovered', depth: 0, peakDepth: 50, firstSeenAt: new Date(AT.getTime() - 3_600_000) }),
    );
    expect(message.blocks).toHaveLength(2);
    expect(texts(message)).toEqual([
      ':white_check_mark: uploads-dlq is empty again',
      '`uploads-dlq` drained after 1 h. It held up to 50 messages.',
    ]);
    expect(message.text).toBe('DLQ uploads-dlq is empty again');
  });

  it('keeps within Block Kit limits', () => {
    const long = sample(0, { objectKeys: ['k'.repeat(2000)], reason: 'r'.repeat(5000) });
    const message = renderSlackAlert(alert({ queueName: 'q'.repeat(300), samples: [long] }));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const text of texts(message)) expect(text.length).toBeLessThanOrEqual(3000);
    expect((message.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(150);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [59, '59 s'],
    [60, '1 min'],
    [3599, '59 min'],
    [3600, '1 h'],
    [3660, '1 h 1 min'],
    [48 * 3600, '2 d'],
    [50 * 3600, '2 d 2 h'],
  ])('%d s reads as %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});

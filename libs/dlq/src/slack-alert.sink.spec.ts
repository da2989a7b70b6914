import { startSlackReceiver, SlackReceiver } from '../../../test/support/slack-receiver';
import type { DlqAlert } from './alert-sink';
import { LogAlertSink } from './log-alert.sink';
import { parseRetryAfter, SlackAlertSink } from './slack-alert.sink';

const ALERT: DlqAlert = {
  kind: 'first',
  queueName: 'uploads-dlq',
  depth: 2,
  previousDepth: 0,
  peakDepth: 2,
  firstSeenAt: new Date(),
  oldestAgeSeconds: 30,
  samples: [],
  at: new Date(),
};

function logger() {
  return { warn: jest.fn(), error: jest.fn() };
}

describe('SlackAlertSink against a local webhook receiver', () => {
  let receiver: SlackReceiver;
  beforeEach(async () => (receiver = await startSlackReceiver()));
  afterEach(() => receiver.close());

  const sink = (log = logger(), overrides = {}) =>
    new SlackAlertSink({
      webhookUrl: receiver.url,
      timeoutMs: 500,
      maxRetries: 4,
      retryBaseMs: 10,
      logger: log,
      ...overrides,
    });

  it('posts the Block Kit message', async () => {
    expect(await sink().deliver(ALERT)).toBe(true);
    expect(receiver.delivered()).toHaveLength(1);
    expect(receiver.posts[0]!.body.text).toContain('2 messages in uploads-dlq');
    expect(receiver.posts[0]!.body.blocks?.[0]?.type).toBe('header');
  });

  it('retries 5xx and 429 (waiting for Retry-After) and delivers once', async () => {
    receiver.script({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
    const log = logger();
    const started = Date.now();
    expect(await sink(log).deliver(ALERT)).toBe(true);
    expect(receiver.posts.map((p) => p.status)).toEqual([500, 429, 200]);
    expect(receiver.posts[2]!.at - receiver.posts[1]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.error).not.toHaveBeenCalled();
  });

  it('retries a request that times out', async () => {
    receiver.script({ status: 200, delayMs: 1_000 });
    const log = logger();
    expect(await sink(log, { timeoutMs: 200 }).deliver(ALERT)).toBe(true);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ status: undefined, attempt: 1 }));
  });

  it('does not retry a 4xx other than 429 (a wrong webhook URL will not heal), and does not throw', async () => {
    receiver.script({ status: 404 });
    const log = logger();
    expect(await sink(log).deliver(ALERT)).toBe(false);
    expect(receiver.posts).toHaveLength(1);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ msg: 'Slack refused the alert', status: 404 }));
  });

  it('gives up after its retries and reports false instead of throwing', async () => {
    receiver.script(...Array.from({ length: 5 }, () => ({ status: 503 })));
    const log = logger();
    expect(await sink(log, { maxRetries: 2 }).deliver(ALERT)).toBe(false);
    expect(receiver.posts).toHaveLength(3);
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('survives a webhook host that refuses connections', async () => {
    await receiver.close();
    expect(await sink(logger(), { maxRetries: 1 }).deliver(ALERT)).toBe(false);
  });

  it('stops retrying at once when aborted (worker shutdown)', async () => {
    receiver.script({ status: 429, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    const delivery = sink().deliver(ALERT, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    controller.abort();
    expect(await delivery).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('LogAlertSink', () => {
  it('logs the alert at warn level with its samples', async () => {
    const log = logger();
    expect(await new LogAlertSink(log).deliver(ALERT)).toBe(true);
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ alert: 'first', queue: 'uploads-dlq', depth: 2, msg: expect.stringContaining('DLQ') }),
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

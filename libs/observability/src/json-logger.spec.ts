import { Writable } from 'node:stream';
import pino from 'pino';
import { jsonLogOptions } from './json-log';
import { JsonLogger } from './json-logger';

function capture(fields?: () => Record<string, unknown> | undefined): {
  logger: JsonLogger;
  lines: () => Array<Record<string, unknown>>;
} {
  let written = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  const logger = new JsonLogger(pino(jsonLogOptions('info'), sink), fields);
  const lines = () =>
    written
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe('JsonLogger', () => {
  it("writes Nest's calls as lines of the shared shape, the context and the bound fields included", () => {
    let bound: Record<string, unknown> | undefined = { requestId: 'req-7' };
    const { logger, lines } = capture(() => bound);
    logger.log({ msg: 'DLQ redrive', moved: 3 }, 'AdminDlqService');
    bound = undefined;
    logger.warn('plain text', 'Worker');
    logger.debug('below the level', 'Worker');
    const [first, second, ...rest] = lines();
    expect(first).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      msg: 'DLQ redrive',
      moved: 3,
      context: 'AdminDlqService',
      requestId: 'req-7',
    });
    expect(second).toEqual({ level: 'warn', time: expect.any(String), msg: 'plain text', context: 'Worker' });
    expect(rest).toEqual([]);
  });

  it("keeps an exception handler's stack, and an Error's name and message, under err", () => {
    const { logger, lines } = capture();
    logger.error('boom', 'Error: boom\n    at here', 'ExceptionsHandler');
    logger.error(new TypeError('bad type'), 'Problem');
    const [handler, thrown] = lines();
    expect(handler).toMatchObject({
      level: 'error',
      msg: 'boom',
      context: 'ExceptionsHandler',
      err: { message: 'boom', stack: 'Error: boom\n    at here' },
    });
    expect(thrown).toMatchObject({
      level: 'error',
      context: 'Problem',
      err: { type: 'TypeError', message: 'bad type' },
    });
  });
});

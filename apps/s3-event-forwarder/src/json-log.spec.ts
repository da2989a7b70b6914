import { Writable } from 'node:stream';
import pino from 'pino';
import { jsonLogOptions } from '@lib/observability';
import { jsonLog } from './json-log';

/** The lines the API and the worker write (pino with the shared options). */
function pinoLine(message: string, fields: Record<string, unknown>): Record<string, unknown> {
  let written = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  pino(jsonLogOptions('info'), sink).warn(fields, message);
  return JSON.parse(written) as Record<string, unknown>;
}

describe("the forwarder's log lines", () => {
  it('have the shape of every other process’s lines: level name, ISO time, msg, fields', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      jsonLog({ requestId: 'req-1' }, 'info').warn('batch sent', { count: 3 });
      const forwarder = JSON.parse(String(write.mock.calls[0]![0])) as Record<string, unknown>;
      const shared = pinoLine('batch sent', { requestId: 'req-1', count: 3 });
      expect(Object.keys(forwarder).sort()).toEqual(Object.keys(shared).sort());
      expect({ ...forwarder, time: 'T' }).toEqual({ ...shared, time: 'T' });
      for (const line of [forwarder, shared]) {
        expect(line.time).toEqual(new Date(line.time as string).toISOString());
      }
    } finally {
      write.mockRestore();
    }
  });
});

import { stdTimeFunctions } from 'pino';
import type { LoggerOptions } from 'pino';

/**
 * The one shape of every line every process writes (API, worker, CLIs; the forwarder writes the
 * same by hand): `{"level":"info","time":"<ISO 8601>","msg":"…", …fields}`. Level names and ISO
 * times read the same in a terminal and in CloudWatch Logs Insights; no pid or hostname (the
 * task's log stream already says which).
 */
export function jsonLogOptions(level: string): LoggerOptions {
  return {
    level,
    base: undefined,
    messageKey: 'msg',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

import type { LogLevel } from '@nestjs/common';

/** Maps the LOG_LEVEL names operators know (pino's) onto Nest's logger levels. */
export function nestLogLevels(level: string): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const index = { silent: -1, fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 }[level] ?? 3;
  return order.slice(0, index + 1);
}

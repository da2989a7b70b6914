import type { LoggerService } from '@nestjs/common';
import type { Logger as Pino } from 'pino';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's lines through one pino logger, in the shape of `jsonLogOptions`: an object message's
 * fields become the line's fields, Nest's context goes to `context`, and `fields()` (e.g. the
 * request being served) is merged into every line. Nest passes the context as the last argument
 * when a logger has one, and its exception handlers pass (message, stack, context).
 */
export class JsonLogger implements LoggerService {
  constructor(
    readonly pino: Pino,
    private readonly fields: () => Record<string, unknown> | undefined = () => undefined,
  ) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = { ...this.fields() };
    if (params.length > 0) line.context = params[params.length - 1];
    const stack = params.length > 1 ? params[0] : undefined;
    if (message instanceof Error) {
      line.err = message;
      this.pino[level](line);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level](Object.assign(line, message));
    } else if (typeof stack === 'string') {
      const err = new Error(String(message));
      err.stack = stack;
      line.err = err;
      this.pino[level](line, String(message));
    } else {
      this.pino[level](line, String(message));
    }
  }
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors, PROBLEM_CONTENT_TYPE, toAppError, toProblem } from '@lib/errors';

/** The one place errors become HTTP: every failure leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error =
      exception instanceof HttpException && exception.getStatus() === 404
        ? errors.routeNotFound(request.method, request.url)
        : toAppError(exception instanceof HttpException ? httpExceptionCause(exception) : exception);
    if (error.status >= 500) {
      this.logger.error({
        msg: 'request failed',
        code: error.code,
        cause: describe(error.cause),
        route: request.routeOptions?.url,
      });
    }
    void reply
      .status(error.status)
      .headers(error.headers)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(toProblem(error, request.url.split('?')[0]));
  }
}

function httpExceptionCause(exception: HttpException): { statusCode: number; message: string } {
  const response = exception.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? String((response as { message: unknown }).message)
      : exception.message;
  return { statusCode: exception.getStatus(), message };
}

/**
 * The kind of failure, never its message: driver and ORM messages quote the query's parameters
 * (user ids, keys, filenames), and those must not reach the logs.
 */
function describe(cause: unknown): { name: string; code?: string } | undefined {
  if (cause === undefined) return undefined;
  if (!(cause instanceof Error)) return { name: typeof cause };
  const code = (cause as { code?: unknown }).code;
  return { name: cause.name, ...(typeof code === 'string' ? { code } : {}) };
}

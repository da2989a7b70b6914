import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors, PROBLEM_CONTENT_TYPE, toProblem } from '@lib/errors';

/**
 * What Node's HTTP parser refuses before a request exists (oversized headers, a malformed request
 * line, a client too slow to send one) is answered as problem+json too, like every other error.
 * Nothing of the request is logged: it may be a header full of someone's token.
 */
export function problemClientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem: AppError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? errors.headersTooLarge()
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? errors.requestTimeout()
        : errors.malformedRequest('The request could not be parsed as HTTP.');
  const body = JSON.stringify(toProblem(problem));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * What Fastify's router refuses before any route runs (a path that is not valid percent-encoded
 * UTF-8, a path segment over maxParamLength): problem+json, without echoing the path.
 */
export function problemFrameworkErrorHandler(
  error: Error & { code?: string },
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  const problem =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? errors.malformedRequest('A path segment is longer than any this API accepts.')
      : errors.malformedRequest('The request path is not valid percent-encoded UTF-8.');
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(toProblem(problem));
}

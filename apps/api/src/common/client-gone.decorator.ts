import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal that fires when the client goes away before its response was written, so a
 * route that holds the request (the status long-poll) stops waiting and frees what it holds.
 * The response's `close`, not the request's: Node closes a request as soon as its body was read.
 */
export const ClientGone = createParamDecorator((_: unknown, ctx: ExecutionContext): AbortSignal => {
  const response = ctx.switchToHttp().getResponse<FastifyReply>().raw;
  const controller = new AbortController();
  if (response.destroyed) controller.abort();
  else response.once('close', () => !response.writableFinished && controller.abort());
  return controller.signal;
});

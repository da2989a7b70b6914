import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from './auth-user';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLE = 'auth:role';

/** Routes are authenticated by default; this opts one out (health, docs, dev token). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const RequireRole = (role: string) => SetMetadata(REQUIRED_ROLE, role);

export type AuthenticatedRequest = FastifyRequest & { user?: AuthUser };

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a public route');
  return user;
});

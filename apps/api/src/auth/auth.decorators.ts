import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ADMIN_ROLE, type AuthUser } from './auth-user';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLE = 'auth:role';

/** Routes are authenticated by default; this opts one out (health, docs, dev token). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const RequireRole = (role: string) => SetMetadata(REQUIRED_ROLE, role);

/** An admin controller: the admin role required, and documented as such (tag, bearer, 401/403). */
export const AdminApi = () =>
  applyDecorators(
    ApiTags('admin'),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No or invalid token (problem+json).' }),
    ApiForbiddenResponse({ description: 'The token lacks the admin role (problem+json).' }),
    RequireRole(ADMIN_ROLE),
  );

export type AuthenticatedRequest = FastifyRequest & { user?: AuthUser };

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a public route');
  return user;
});

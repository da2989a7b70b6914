import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { errors } from '@lib/errors';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';
import { TokenService } from './token.service';

/** What a route's decorators ask of its callers. */
interface RoutePolicy {
  isPublic: boolean;
  role: string | undefined;
}

@Injectable()
export class AuthGuard implements CanActivate {
  /**
   * Decorator metadata is fixed once the app is built, so each route's policy is read once
   * (per controller class and handler) instead of through Reflector on every request.
   */
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policyOf(context);
    if (policy.isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw errors.unauthenticated();
    request.user = await this.tokens.verify(match[1]!);
    if (policy.role && !request.user.roles.includes(policy.role)) {
      throw errors.forbidden(`This route needs the ${policy.role} role.`);
    }
    return true;
  }

  private policyOf(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.policies.get(controller);
    if (!byHandler) this.policies.set(controller, (byHandler = new WeakMap()));
    let policy = byHandler.get(handler);
    if (!policy) {
      const targets = [handler, controller];
      policy = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        role: this.reflector.getAllAndOverride<string | undefined>(REQUIRED_ROLE, targets),
      };
      byHandler.set(handler, policy);
    }
    return policy;
  }
}

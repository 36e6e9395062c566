import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '../people/person.entity';
import type { Principal } from './principal';

export const ROLES_KEY = 'pulsedesk:roles';

export { Public, PUBLIC_KEY } from '../common/public.decorator';

/** Only these roles may call the route. Routes without it are open to any credential. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

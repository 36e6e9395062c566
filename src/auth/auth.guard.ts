/**
 * Resolves the caller on every HTTP route (global guard) and enforces `@Roles`. Credentials:
 * the operator's ADMIN_API_TOKEN (admin of the workspace named by X-Pulsedesk-Workspace, or of
 * the only one), a workspace API token from POST /api/tokens, or the dashboard session cookie.
 * A request that rides on the cookie and changes state must carry the session's CSRF token
 * (X-CSRF-Token header or `_csrf` form field); bearer requests are not cookie-borne and need none.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainError } from '../common/errors';
import type { Role } from '../people/person.entity';
import { TokensService } from '../tokens/tokens.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import type { Principal } from './principal';
import { sessionCookie } from './sessions/session-cookie';
import { CSRF_FIELD, CSRF_HEADER, SessionsService } from './sessions/sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a session request carries besides its principal: the token its forms must echo. */
export interface SessionRequest extends Request {
  principal?: Principal;
  csrfToken?: string;
}

export const WORKSPACE_HEADER = 'x-pulsedesk-workspace';

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokensService,
    private readonly workspaces: WorkspacesService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<SessionRequest>();
    const principal = await this.authenticate(req);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new DomainError(
        'forbidden',
        `This needs the ${roles.join(' or ')} role; your credential has ${principal.role}`,
      );
    }
    req.principal = principal;
    return true;
  }

  private async authenticate(req: SessionRequest): Promise<Principal> {
    const token = bearer(req);
    if (!token) {
      const sessionId = sessionCookie(req);
      if (sessionId) return this.fromSession(req, sessionId);
      throw new DomainError(
        'unauthenticated',
        'Send a credential: Authorization: Bearer <token>, or sign in with /pulse dashboard in Slack',
      );
    }
    if (this.config.adminApiToken && sameSecret(token, this.config.adminApiToken)) {
      const header = req.headers[WORKSPACE_HEADER];
      const workspace = await this.workspaces.resolveForOperator(
        typeof header === 'string' ? header : undefined,
      );
      return { workspaceId: workspace.id, role: 'admin', teamId: null, via: 'operator' };
    }
    const apiToken = await this.tokens.authenticate(token);
    if (!apiToken) throw new DomainError('unauthenticated', 'The credential is not valid');
    return {
      workspaceId: apiToken.workspaceId,
      role: apiToken.role,
      teamId: apiToken.teamId,
      via: 'token',
      tokenId: apiToken.id,
    };
  }

  private async fromSession(req: SessionRequest, sessionId: string): Promise<Principal> {
    const session = await this.sessions.resolve(sessionId);
    if (!session) {
      throw new DomainError(
        'unauthenticated',
        'Your dashboard session has ended. Sign in again with /pulse dashboard in Slack.',
      );
    }
    if (!SAFE_METHODS.has(req.method)) {
      const header = req.headers[CSRF_HEADER];
      const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      const sent = typeof header === 'string' ? header : typeof field === 'string' ? field : '';
      if (!this.sessions.csrfMatches(sessionId, sent)) {
        throw new DomainError(
          'forbidden',
          'This request lacks the page’s CSRF token: reload the page and try again',
        );
      }
    }
    req.csrfToken = session.csrfToken;
    const { workspaceId, ...rest } = session.principal;
    // The operator's session follows the only workspace, as ADMIN_API_TOKEN does.
    const resolved = workspaceId ?? (await this.workspaces.resolveForOperator(undefined)).id;
    return { ...rest, workspaceId: resolved };
  }
}

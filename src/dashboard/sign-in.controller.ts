/** The sign-in link, its confirmation and sign-out; every decision is in SessionsService. */
import { Body, Controller, Get, Header, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import {
  clearSessionCookie,
  sessionCookie,
  setSessionCookie,
} from '../auth/sessions/session-cookie';
import { SessionsService } from '../auth/sessions/sessions.service';
import { DomainError } from '../common/errors';
import { DashboardErrorFilter } from './dashboard-error.filter';
import { confirmSignInPage, signedOutPage } from './views/sign-in.pages';

const HTML = 'text/html; charset=utf-8';

@ApiExcludeController()
@UseFilters(DashboardErrorFilter)
@Controller('auth')
export class SignInController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('link/:token')
  @Public()
  @Header('Content-Type', HTML)
  @Header('Cache-Control', 'no-store')
  confirm(@Param('token') token: string): string {
    return confirmSignInPage(token);
  }

  @Post('link')
  @Public()
  async redeem(@Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const token = typeof body?.token === 'string' ? body.token : '';
    if (!token) throw new DomainError('unauthenticated', 'This sign-in link is not valid.');
    const { sessionId, maxAgeMs } = await this.sessions.redeem(token);
    setSessionCookie(res, sessionId, { maxAgeMs, secure: this.sessions.secureCookies });
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, '/');
  }

  /** Guarded like any write: the session's cookie and its CSRF token. */
  @Post('sign-out')
  async signOut(@Req() req: Request, @Res() res: Response): Promise<void> {
    const sessionId = sessionCookie(req);
    if (sessionId) await this.sessions.signOut(sessionId);
    clearSessionCookie(res, this.sessions.secureCookies);
    res.redirect(303, '/auth/signed-out');
  }

  @Get('signed-out')
  @Public()
  @Header('Content-Type', HTML)
  signedOut(): string {
    return signedOutPage();
  }
}

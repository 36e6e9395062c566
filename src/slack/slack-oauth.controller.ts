import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/public.decorator';
import { DomainError } from '../common/errors';
import { HTTP_STATUS_BY_CODE } from '../common/http-error.filter';
import { STATE_TTL_MS } from './oauth-state';
import { resultPage } from './slack-pages';
import { SlackInstallationService } from './slack-installation.service';

const NONCE_COOKIE = 'pd_oauth_nonce';

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Browser-facing OAuth endpoints: workspace install and an agent's own connection. */
@ApiExcludeController()
@Public()
@Controller('slack')
export class SlackOAuthController {
  constructor(private readonly installations: SlackInstallationService) {}

  @Get('install')
  install(@Req() req: Request, @Res() res: Response): void {
    this.redirect('install', req, res);
  }

  @Get('connect')
  connect(@Req() req: Request, @Res() res: Response): void {
    this.redirect('connect', req, res);
  }

  @Get('oauth_redirect')
  async callback(
    @Req() req: Request,
    @Res() res: Response,
    @Query('code') code?: string,
    @Query('state') state?: string,
    @Query('error') error?: string,
  ): Promise<void> {
    res.clearCookie(NONCE_COOKIE, { path: '/slack' });
    try {
      const outcome = await this.installations.completeOAuth({
        code,
        state,
        error,
        cookieNonce: readCookie(req, NONCE_COOKIE),
      });
      const page =
        outcome.flow === 'install'
          ? resultPage(
              'Pulsedesk is installed',
              `Pulsedesk is now part of ${outcome.workspace.name}. People are being imported; you can close this tab.`,
              true,
            )
          : resultPage(
              'Slack connected',
              'Pulsedesk can now set your Slack status and Do-Not-Disturb during your focus blocks. You can close this tab.',
              true,
            );
      res.status(200).type('html').send(page);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      res
        .status(HTTP_STATUS_BY_CODE[err.code])
        .type('html')
        .send(resultPage('Slack sign-in failed', err.message, false));
    }
  }

  private redirect(flow: 'install' | 'connect', req: Request, res: Response): void {
    const { url, nonce } = this.installations.authorizeRedirect(flow);
    res.cookie(NONCE_COOKIE, nonce, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/slack',
      maxAge: STATE_TTL_MS,
    });
    res.redirect(302, url);
  }
}

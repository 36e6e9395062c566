/**
 * Errors on dashboard pages as HTML pages instead of the API's JSON: a missing or ended session
 * gets the way to sign in, a refusal says why. Statuses stay those of the API's mapping.
 */
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorBody } from '../common/http-error.filter';
import { DomainError } from '../common/errors';
import { problemPage } from './views/sign-in.pages';

@Catch()
export class DashboardErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Dashboard');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const body = toErrorBody(exception, this.logger);
    const code = exception instanceof DomainError ? exception.code : undefined;
    const pageHtml =
      code === 'unauthenticated'
        ? problemPage(
            'Sign in',
            body.message,
            'Type /pulse dashboard in Slack to get a one-time sign-in link (team leads, HR and admins).',
          )
        : code === 'no_workspace'
          ? problemPage(
              'No workspace yet',
              'Pulsedesk is running, but no Slack workspace is installed.',
              'Install the Slack app at /slack/install (or set SLACK_BOT_TOKEN), then import people with POST /api/people/sync. Or run npm run demo to see a demo workspace.',
            )
          : code === 'forbidden'
            ? problemPage('Not allowed', body.message)
            : problemPage(body.error, body.message);
    res.status(body.statusCode).type('html').send(pageHtml);
  }
}

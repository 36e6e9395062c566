/**
 * Builds the configured Nest application (not yet listening). main.ts and the e2e tests both
 * use it, so tests exercise exactly the middleware, pipes and filters production runs.
 */
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { AppModule, AppModuleOptions } from './app.module';
import { HttpErrorFilter } from './common/http-error.filter';
import { answerClientErrors } from './common/client-errors';
import { refuseDeepJson, refuseNulText, refuseRepeatedQuery } from './common/request-shape';
import { createHttpLogger, PinoNestLogger } from './common/logging';
import { SlackBoltService } from './slack/slack-bolt.service';
import { SlackInstallationService } from './slack/slack-installation.service';

/** Larger bodies get 413: nothing in the API needs more, and Slack payloads stay far below. */
export const BODY_LIMIT = '1mb';

export async function createApp(
  options: AppModuleOptions & { logger: Logger },
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    rawBody: true,
    bodyParser: false,
    logger: new PinoNestLogger(options.logger),
  });
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // Only our own origin: the dashboard serves Chart.js and its own script and styles itself.
  // Swagger UI's page (/api/docs) inlines a few <style> blocks, so it alone may use inline styles.
  const https = options.config.publicUrl.startsWith('https:');
  const policy = (styleSrc: string[]) =>
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc,
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: https,
    });
  const appPolicy = policy(["'self'"]);
  const docsPolicy = policy(["'self'", "'unsafe-inline'"]);
  app.use((req: Request, res: Response, next: NextFunction) =>
    (req.path.startsWith('/api/docs') ? docsPolicy : appPolicy)(req, res, next),
  );
  app.use(createHttpLogger(options.logger));
  app.use(refuseRepeatedQuery);
  // Bolt verifies signatures over the raw body, so it is mounted ahead of the body parsers.
  app.get(SlackBoltService).mount(app.getHttpAdapter().getInstance());
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: true });
  app.use(refuseDeepJson);
  app.use(refuseNulText);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
    }),
  );
  app.useGlobalFilters(new HttpErrorFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Pulsedesk API')
      .setDescription(
        'Pulse surveys, stories and focus time for support teams. See docs/contract.md.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  await app.init();
  answerClientErrors(app.getHttpServer());
  try {
    // Single-workspace mode: SLACK_BOT_TOKEN names its workspace through auth.test.
    await app.get(SlackInstallationService).bootstrapSingleWorkspace();
    // Socket Mode opens last: what arrives over it finds the workspace installed.
    await app.get(SlackBoltService).startSocketMode();
  } catch (err) {
    // A refused token stops the boot: nothing opened so far is left running.
    await app.close();
    throw err;
  }
  return app;
}

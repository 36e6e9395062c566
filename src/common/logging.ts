/**
 * Structured logs: one pino line per event, request ids on every HTTP line, and redaction of
 * credentials and Slack payload contents (answers, comments, modal values) before anything is
 * written. Nest's own logger is routed through the same pino instance.
 */
import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import pinoHttp from 'pino-http';

/**
 * Paths pino removes or masks. Slack payloads are reduced to their shape: `payload`, `view`,
 * `state`, `values`, `blocks`, `text` and `actions` may carry what a person answered.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.access_token',
  '*.bot_token',
  '*.botToken',
  '*.userToken',
  '*.client_secret',
  '*.clientSecret',
  '*.signingSecret',
  '*.password',
  '*.payload',
  '*.view',
  '*.state',
  '*.values',
  '*.actions',
  '*.blocks',
  '*.text',
  '*.comment',
  '*.answers',
  'token',
  'payload',
  'body',
  '*.body',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pulsedesk' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Express middleware: a request id (kept from X-Request-Id or generated) and one line per request. */
export function createHttpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    // Query strings may hold OAuth codes and sign-in tokens: log the path only.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Nest's start-up chatter (one line per module and route) is debug detail, not an event. */
const FRAMEWORK_DETAIL = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Nest's LoggerService on top of pino, so framework lines share the format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write(context && FRAMEWORK_DETAIL.has(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, traceOrContext?: string, context?: string): void {
    const ctx = context ?? traceOrContext;
    if (message instanceof Error) {
      this.logger.error({ context: ctx, err: message }, message.message);
      return;
    }
    this.write('error', message, ctx, context ? traceOrContext : undefined);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    context?: string,
    stack?: string,
  ): void {
    if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, stack, ...(message as object) });
    } else {
      this.logger[level]({ context, stack }, String(message));
    }
  }
}

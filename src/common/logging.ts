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
 * Keys whose values never reach a log line, at any depth: credentials, and everything in a
 * Slack payload that may carry what a person answered or wrote (text, values, actions, state,
 * blocks, private_metadata, comments); a view keeps its ids, loses its content. Matching is by key, so a new log call cannot leak by nesting differently.
 */
export const SENSITIVE_KEYS = new Set(
  [
    'authorization',
    'cookie',
    'set-cookie',
    'x-slack-signature',
    'token',
    'access_token',
    'bot_token',
    'botToken',
    'userToken',
    'user_token',
    'client_secret',
    'clientSecret',
    'signingSecret',
    'stateSecret',
    'password',
    'secret',
    'payload',
    'state',
    'values',
    'value',
    'actions',
    'blocks',
    'text',
    'comment',
    'comments',
    'answer',
    'answers',
    'body',
    'private_metadata',
  ].map((k) => k.toLowerCase()),
);

const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/** A copy of `value` with sensitive keys censored at every depth (arrays included). */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[depth limit]';
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  // Errors go on to pino's own serializer (type, message, stack); dates stay dates.
  if (value instanceof Error || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SENSITIVE_KEYS.has(key.toLowerCase()) ? CENSOR : redactDeep(v, depth + 1);
  }
  return out;
}

/**
 * Where `npm start` writes: human-readable lines (pino-pretty, in-process) when asked, or by
 * default when stdout is a terminal; JSON lines otherwise, for log collectors.
 */
export function consoleDestination(
  format: 'json' | 'pretty' | 'auto',
  isTty: boolean = process.stdout.isTTY === true,
): DestinationStream | undefined {
  if (format === 'json' || (format === 'auto' && !isTty)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as (options: object) => DestinationStream;
  return pretty({
    colorize: isTty,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pulsedesk' },
      formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Paths that carry a credential as a segment: the dashboard's one-time sign-in links. */
const CREDENTIAL_PATHS = /^(\/auth\/link\/)[^/]+/;

/** A request path fit for a log line: a credential segment replaced (found by the log scan). */
export function redactPath(path: string): string {
  return path.replace(CREDENTIAL_PATHS, `$1${CENSOR}`);
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
    // Query strings may hold OAuth codes and sign-in tokens: log the path only, and without
    // the sign-in link's token (a credential in the path itself).
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: redactPath(req.url.split('?')[0]),
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

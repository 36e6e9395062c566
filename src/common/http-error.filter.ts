/**
 * The one place that turns anything thrown during an HTTP request into the contract's JSON
 * error shape `{ statusCode, error, message }`. Unknown errors become a bare 500; their detail
 * goes to the log only.
 */
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { DomainError, ErrorCode } from './errors';

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, HttpStatus> = {
  validation_failed: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  no_workspace: HttpStatus.CONFLICT,
  ambiguous_workspace: HttpStatus.BAD_REQUEST,
  slack_disabled: HttpStatus.SERVICE_UNAVAILABLE,
  slack_unavailable: HttpStatus.BAD_GATEWAY,
  oauth_failed: HttpStatus.BAD_REQUEST,
  key_unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Reason phrases for statuses, e.g. 404 → "Not Found". */
function reason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** Errors raised by Express's body parsers carry a status and a type (e.g. entity.too.large). */
interface BodyParserError {
  status: number;
  type: string;
  limit?: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as BodyParserError).type === 'string' &&
    typeof (err as BodyParserError).status === 'number' &&
    (err as BodyParserError).status >= 400 &&
    (err as BodyParserError).status < 500
  );
}

export function toErrorBody(err: unknown, logger?: Logger): ErrorBody {
  if (err instanceof DomainError) {
    const status = HTTP_STATUS_BY_CODE[err.code];
    return { statusCode: status, error: reason(status), message: err.message };
  }
  // Nest wraps body-parser failures (bad JSON, too large) in an HttpException with the cause.
  const cause = err instanceof HttpException ? err.cause : err;
  if (isBodyParserError(cause)) {
    const messages: Record<string, string> = {
      'entity.too.large': `Request body is larger than the limit of ${cause.limit} bytes`,
      'entity.parse.failed': 'Request body is not valid JSON',
      'encoding.unsupported': 'Request body encoding is not supported',
      'charset.unsupported': 'Request body charset is not supported',
    };
    return {
      statusCode: cause.status,
      error: reason(cause.status),
      message: messages[cause.type] ?? 'Request body could not be read',
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    let message = err.message;
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const m = (response as { message: unknown }).message;
      message = Array.isArray(m) ? m.join('; ') : String(m);
    }
    return { statusCode: status, error: reason(status), message };
  }
  logger?.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception, this.logger);
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}

import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError, ERROR_CODES, notFound } from './errors';
import { HTTP_STATUS_BY_CODE, toErrorBody } from './http-error.filter';

function loggerMock() {
  const error = jest.fn();
  return { error, logger: { error } as unknown as Logger };
}

describe('HTTP_STATUS_BY_CODE', () => {
  it.each(ERROR_CODES.map((code) => [code]))('maps %s to an error status', (code) => {
    const status = HTTP_STATUS_BY_CODE[code];
    expect(Number.isInteger(status)).toBe(true);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
    expect(STATUS_CODES[status]).toBeDefined();
  });

  it('maps exactly the known codes', () => {
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each([
    ['validation_failed', 400],
    ['not_found', 404],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['conflict', 409],
    ['slack_disabled', 503],
    ['slack_unavailable', 502],
  ] as const)('maps %s to %i', (code, status) => {
    expect(HTTP_STATUS_BY_CODE[code]).toBe(status);
  });
});

describe('toErrorBody', () => {
  it.each(ERROR_CODES.map((code) => [code]))(
    'turns a DomainError %s into its status, reason phrase and message',
    (code) => {
      const status = HTTP_STATUS_BY_CODE[code];
      expect(toErrorBody(new DomainError(code, `because of ${code}`))).toEqual({
        statusCode: status,
        error: STATUS_CODES[status],
        message: `because of ${code}`,
      });
    },
  );

  it('keeps a not-found message as written', () => {
    expect(toErrorBody(notFound('Team t-1'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Team t-1 was not found',
    });
  });

  it('joins the messages of a validation HttpException', () => {
    const err = new BadRequestException(['name must be a string', 'role must be one of agent']);
    expect(toErrorBody(err)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'name must be a string; role must be one of agent',
    });
  });

  it('keeps a single HttpException message', () => {
    expect(toErrorBody(new NotFoundException('Cannot GET /api/nope'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /api/nope',
    });
  });

  it('takes the status of a plain HttpException with a string response', () => {
    expect(toErrorBody(new HttpException('Slow down', HttpStatus.TOO_MANY_REQUESTS))).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Slow down',
    });
  });

  it('turns a too-large body into 413 with the limit', () => {
    const cause = { status: 413, type: 'entity.too.large', limit: 1048576 };
    const err = new PayloadTooLargeException('request entity too large', { cause });
    expect(toErrorBody(err)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is larger than the limit of 1048576 bytes',
    });
  });

  it('reads the body-parser error from the cause, whatever the wrapper says', () => {
    const cause = { status: 413, type: 'entity.too.large', limit: 2048 };
    const err = new HttpException('Internal', HttpStatus.INTERNAL_SERVER_ERROR, { cause });
    expect(toErrorBody(err)).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    expect(toErrorBody(err).message).toContain('2048');
  });

  it('says a body that does not parse is not valid JSON', () => {
    const cause = { status: 400, type: 'entity.parse.failed', body: '{"oops"' };
    const err = new BadRequestException('Unexpected token', { cause });
    expect(toErrorBody(err)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body is not valid JSON',
    });
  });

  it('handles an unwrapped body-parser error and an unknown type', () => {
    expect(toErrorBody({ status: 415, type: 'encoding.unsupported' })).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Request body encoding is not supported',
    });
    expect(toErrorBody({ status: 400, type: 'request.aborted' })).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body could not be read',
    });
  });

  it('turns an unknown Error into a bare 500 and logs the detail', () => {
    const { error, logger } = loggerMock();
    const err = new Error('connection to db-7.internal refused: password authentication failed');
    const body = toErrorBody(err, logger);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(JSON.stringify(body)).not.toContain('db-7.internal');
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toContain(
      'connection to db-7.internal refused: password authentication failed',
    );
  });

  it('does not take an arbitrary object with a non-4xx status for a body-parser error', () => {
    const { error, logger } = loggerMock();
    const body = toErrorBody({ status: 200, type: 'looks.like.body-parser' }, logger);
    expect(body.statusCode).toBe(500);
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('logs something thrown that is not an Error', () => {
    const { error, logger } = loggerMock();
    expect(toErrorBody('plain string thrown', logger).statusCode).toBe(500);
    expect(error).toHaveBeenCalledWith('plain string thrown');
  });

  it('does not log errors it maps', () => {
    const { error, logger } = loggerMock();
    toErrorBody(new DomainError('not_found', 'x'), logger);
    toErrorBody(new BadRequestException('x'), logger);
    expect(error).not.toHaveBeenCalled();
  });
});

/**
 * Error responses in the OpenAPI document: every error the API sends has the one shape that
 * HttpErrorFilter writes, so each documented status points at ErrorBodyDto.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import type { ErrorBody } from './http-error.filter';

export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({ description: 'what was wrong, specifically', example: 'from must be before to' })
  message: string;
}

const MEANING: Record<number, string> = {
  400: 'the input is invalid; the message names what',
  401: 'no valid bearer token',
  403: 'the caller’s role may not do this',
  404: 'not found in the caller’s workspace',
  409: 'refused in the current state; the message says why',
  503: 'a dependency (the database, Slack, the key ring) is not available',
};

/** Documents the given error statuses, each with the contract's error body. */
export function ApiErrors(...statuses: (keyof typeof MEANING)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: MEANING[status], type: ErrorBodyDto }),
    ),
  );
}

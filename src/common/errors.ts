/**
 * Domain errors carry a code; each transport maps codes to its own shape (HTTP statuses in
 * http-error.filter.ts, ephemeral messages in Slack). Adding a code without mapping it is a
 * type error, so no error silently becomes a 500.
 */
export const ERROR_CODES = [
  'validation_failed',
  'not_found',
  'conflict',
  'unauthenticated',
  'forbidden',
  'no_workspace',
  'ambiguous_workspace',
  'slack_disabled',
  'slack_unavailable',
  'oauth_failed',
  /** A sealed value's key (ENCRYPTION_KEY) is not the one it was sealed with. */
  'key_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string): DomainError =>
  new DomainError('not_found', `${what} was not found`);

/**
 * The feed's cursor: opaque to clients (base64url of a small JSON), holding only the keyset
 * position — the story's feed sequence number, and its rank when searching. No time is in it,
 * so a cursor never tells when an anonymous story was written; and because the position is a
 * key, stories arriving between two pages do not shift the next page.
 */
import { DomainError } from '../common/errors';

export interface CursorPosition {
  seq: string;
  rank?: number;
}

export function encodeCursor(position: CursorPosition): string {
  const data =
    position.rank === undefined ? { s: position.seq } : { s: position.seq, r: position.rank };
  return Buffer.from(JSON.stringify(data), 'utf8').toString('base64url');
}

const invalid = () =>
  new DomainError(
    'validation_failed',
    'cursor is not valid: pass the nextCursor of a previous page as it was',
  );

/** Reads a cursor; anything not made by encodeCursor (for this kind of query) is a 400. */
export function decodeCursor(cursor: string, searching: boolean): CursorPosition {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw invalid();
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof data !== 'object' || data === null) throw invalid();
  const { s, r } = data as { s?: unknown; r?: unknown };
  if (typeof s !== 'string' || !/^\d{1,18}$/.test(s)) throw invalid();
  if (searching) {
    if (typeof r !== 'number' || !Number.isFinite(r)) throw invalid();
    return { seq: s, rank: r };
  }
  if (r !== undefined) throw invalid();
  return { seq: s };
}

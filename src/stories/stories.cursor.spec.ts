import { DomainError } from '../common/errors';
import { decodeCursor, encodeCursor } from './stories.cursor';

describe('story feed cursor', () => {
  it('round-trips a feed position and a search position', () => {
    expect(decodeCursor(encodeCursor({ seq: '42' }), false)).toEqual({ seq: '42' });
    expect(decodeCursor(encodeCursor({ seq: '7', rank: 0.0607927 }), true)).toEqual({
      seq: '7',
      rank: 0.0607927,
    });
  });

  it.each([
    ['garbage', 'not a cursor', false],
    ['not JSON', Buffer.from('hello').toString('base64url'), false],
    ['a SQL fragment', Buffer.from('{"s":"1 OR 1=1"}').toString('base64url'), false],
    ['a search cursor on the plain feed', encodeCursor({ seq: '1', rank: 0.5 }), false],
    ['a feed cursor on a search', encodeCursor({ seq: '1' }), true],
    ['an array', Buffer.from('[1]').toString('base64url'), false],
  ])('refuses %s as a validation error', (_, cursor, searching) => {
    expect(() => decodeCursor(cursor as string, searching as boolean)).toThrow(DomainError);
  });
});

import { QueryFailedError } from 'typeorm';
import { sqlState } from './sql-state';

describe('sqlState', () => {
  it('reads the code from TypeORM’s driverError or from a pg error', () => {
    const driverError = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(sqlState(new QueryFailedError('INSERT …', [], driverError))).toBe('23505');
    expect(sqlState(Object.assign(new Error('deadlock'), { code: '40P01' }))).toBe('40P01');
  });

  it('is undefined for errors that are not SQL errors', () => {
    expect(sqlState(new Error('plain'))).toBeUndefined();
    expect(sqlState(Object.assign(new Error('fs'), { code: 'EEXIST' }))).toBeUndefined();
    expect(sqlState(undefined)).toBeUndefined();
    expect(sqlState('23505')).toBeUndefined();
  });
});

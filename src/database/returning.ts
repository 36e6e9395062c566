import type { EntityManager } from 'typeorm';

/**
 * Runs an UPDATE/DELETE ... RETURNING and gives its rows. TypeORM's postgres driver answers
 * those statements with `[rows, affectedCount]` (and plain rows for SELECT/INSERT), so reading
 * `.length` of the raw result would always say 2.
 */
export async function updateReturning<T>(
  manager: Pick<EntityManager, 'query'>,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result: unknown = await manager.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * The SQLSTATE of a failed statement, wherever the error carries it: TypeORM's
 * QueryFailedError keeps the driver's error in `driverError`; `pg` (and pg-boss, which uses it
 * directly) puts it in `code`. Undefined for anything else.
 */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

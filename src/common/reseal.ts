/**
 * Re-sealing at boot: after ENCRYPTION_KEY changes (the old key given as ENCRYPTION_KEY_PREVIOUS),
 * every stored value not sealed under the current key (Slack tokens, open rounds' keys) is
 * sealed again, so the previous key can then be dropped. A row that changed meanwhile is left
 * to whoever changed it; a value no key of the ring opens is counted and reported, never lost.
 */
import type { TokenCipher } from './token-cipher';

/** A column of sealed values, each replaced only if it still holds what was read. */
export interface SealedColumn {
  sealedValues(): Promise<{ id: string; sealed: string }[]>;
  replaceSealed(id: string, from: string, to: string): Promise<void>;
}

/**
 * The SealedColumn of `table.column`, rows named by `key` (constants of the repository, never
 * input), read and replaced through `query` (the repository's ambient manager).
 */
export function sealedColumnIn(
  query: (sql: string, params?: unknown[]) => Promise<unknown>,
  spec: { table: string; column: string; key?: string },
): SealedColumn {
  const { table, column, key = 'id' } = spec;
  return {
    sealedValues: async () =>
      (await query(
        `SELECT ${key} AS id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL`,
      )) as { id: string; sealed: string }[],
    replaceSealed: async (id, from, to) => {
      await query(`UPDATE ${table} SET ${column} = $3 WHERE ${key} = $1 AND ${column} = $2`, [
        id,
        from,
        to,
      ]);
    },
  };
}

export async function resealColumn(
  column: SealedColumn,
  isCurrent: (sealed: string, id: string) => boolean,
  reseal: (id: string, sealed: string) => string,
): Promise<{ resealed: number; unreadable: number }> {
  let resealed = 0;
  let unreadable = 0;
  for (const { id, sealed } of await column.sealedValues()) {
    if (isCurrent(sealed, id)) continue;
    let again: string;
    try {
      again = reseal(id, sealed);
    } catch {
      unreadable += 1;
      continue;
    }
    await column.replaceSealed(id, sealed, again);
    resealed += 1;
  }
  return { resealed, unreadable };
}

/**
 * Slack tokens: opened and sealed again by the token cipher, bound to their row (`rowOf` names
 * it from the column's id), so tokens sealed before row binding are bound at the next boot.
 */
export function resealTokens(
  cipher: TokenCipher,
  column: SealedColumn,
  rowOf: (id: string) => string,
): Promise<{ resealed: number; unreadable: number }> {
  return resealColumn(
    column,
    // Current only if sealed under the current key AND bound to this row (opens it: boot only).
    (sealed, id) => cipher.isCurrent(sealed, rowOf(id)),
    (id, sealed) => cipher.encrypt(cipher.decrypt(sealed, rowOf(id)), rowOf(id)),
  );
}

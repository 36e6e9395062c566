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

export async function resealColumn(
  column: SealedColumn,
  isCurrent: (sealed: string) => boolean,
  reseal: (id: string, sealed: string) => string,
): Promise<{ resealed: number; unreadable: number }> {
  let resealed = 0;
  let unreadable = 0;
  for (const { id, sealed } of await column.sealedValues()) {
    if (isCurrent(sealed)) continue;
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

/** Slack tokens: opened and sealed again by the token cipher. */
export function resealTokens(
  cipher: TokenCipher,
  column: SealedColumn,
): Promise<{ resealed: number; unreadable: number }> {
  return resealColumn(
    column,
    (sealed) => cipher.isCurrent(sealed),
    (_id, sealed) => cipher.encrypt(cipher.decrypt(sealed)),
  );
}

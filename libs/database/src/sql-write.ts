/**
 * A data-modifying statement (INSERT/UPDATE ... with $1.. placeholders) that a caller hands to
 * another lib's writer, to run as a CTE of that writer's statement: one round trip instead of one
 * per table, which counts where each round trip is made under a hot row lock (payout requests).
 * `returning`: the writer answers the rows of its RETURNING clause (at most one write of a batch).
 * The text carries no `$` but its placeholders (they are renumbered when composed).
 */
export interface SqlWrite {
  text: string;
  values: readonly unknown[];
  returning?: boolean;
}

/** The write's text with its placeholders moved past the `offset` values composed before it. */
export function shiftPlaceholders(text: string, offset: number): string {
  return offset === 0 ? text : text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

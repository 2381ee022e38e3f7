import { ValueTransformer } from 'typeorm';

/** Maps a PostgreSQL `bigint` column (which `pg` returns as a string) to a JS bigint and back. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null || value === undefined ? value : BigInt(value)),
};

/** Money amounts are bigint minor units; the column type is `bigint`. */
export const moneyTransformer = bigintTransformer;

/** One of the witness's own migrations (not the platform's): SQL run in order, in one transaction. */
export interface WitnessMigration {
  /** A timestamp, as the platform's migration names carry: applied in increasing order. */
  id: number;
  name: string;
  /** Statements; `$schema` stands for the witness's quoted schema name. */
  statements: string[];
}

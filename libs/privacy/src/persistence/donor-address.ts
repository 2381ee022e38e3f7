/** Every table that keeps a donor's address with what they gave (an erased row keeps none). */
const DONOR_ADDRESS_TABLES = ['donations', 'offline_gifts', 'recurring_gifts', 'scheduled_gifts', 'pledges'] as const;

/**
 * Whether anything is held about the address `$1` (any case): one row `{ found: boolean }`. The
 * erasure's request and the data export's e-mail both ask it, so both see the same tables.
 */
export const ADDRESS_HELD_SQL = `SELECT ${DONOR_ADDRESS_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t} WHERE lower(donor_email) = lower($1))`).join(' OR ')} AS found`;

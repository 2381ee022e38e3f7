import { shiftPlaceholders } from './sql-write.js';

describe('shiftPlaceholders', () => {
  it('moves every placeholder past the values composed before it, casts and two-digit numbers included', () => {
    expect(shiftPlaceholders('INSERT INTO t (a, b) VALUES ($1, $2::jsonb) RETURNING $10', 21)).toBe('INSERT INTO t (a, b) VALUES ($22, $23::jsonb) RETURNING $31');
    expect(shiftPlaceholders('SELECT $1', 0)).toBe('SELECT $1');
  });
});

import { describe, expect, it } from 'vitest';
import { compareLsn, formatLsn, parseLsn, pickPromotionCandidate } from './lsn.js';

describe('LSNs', () => {
  it.each([
    ['0/0', 0n],
    ['0/3000000', 0x3000000n],
    ['16/B374D848', (0x16n << 32n) | 0xb374d848n],
  ])('%s parses and formats back', (text, value) => {
    expect(parseLsn(text)).toBe(value);
    expect(formatLsn(value)).toBe(text);
  });

  it('rejects what is not an LSN', () => {
    expect(() => parseLsn('3000000')).toThrow("not a PostgreSQL LSN: '3000000'");
  });

  it.each([
    ['0/3000000', '0/3000001', -1],
    ['1/0', '0/FFFFFFFF', 1],
    ['0/A', '0/a', 0],
  ])('compareLsn(%s, %s) = %d', (a, b, want) => {
    expect(compareLsn(a, b)).toBe(want);
  });

  it('promotes the candidate with the most WAL, never one that did not answer', () => {
    expect(
      pickPromotionCandidate([
        { name: 'cluster-2', lsn: '0/5000000' },
        { name: 'cluster-3', lsn: '0/5000100' },
        { name: 'cluster-4', lsn: null },
      ]),
    ).toStrictEqual({ name: 'cluster-3', lsn: '0/5000100' });
    expect(pickPromotionCandidate([{ name: 'cluster-2', lsn: null }])).toBeUndefined();
    expect(
      pickPromotionCandidate([
        { name: 'a', lsn: '0/1' },
        { name: 'b', lsn: '0/1' },
      ])?.name,
    ).toBe('a');
  });
});

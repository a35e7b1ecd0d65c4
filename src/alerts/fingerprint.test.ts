import { describe, expect, it } from 'vitest';
import { fingerprintOf, labelSignature } from './fingerprint.js';

// Vectors from prometheus/common model/signature_test.go (labelSetToFingerprint).
describe('fingerprint', () => {
  it.each([
    [{}, 14695981039346656037n],
    [{ name: 'garland, briggs', fear: 'love is not enough' }, 5799056148416392346n],
    [{ 'first-label': 'first-label-value' }, 5146282821936882169n],
    [
      { 'first-label': 'first-label-value', 'second-label': 'second-label-value' },
      3195800080984914717n,
    ],
    [
      {
        'first-label': 'first-label-value',
        'second-label': 'second-label-value',
        'third-label': 'third-label-value',
      },
      13843036195897128121n,
    ],
  ])('matches Prometheus for %j', (labels, expected) => {
    expect(labelSignature(labels)).toBe(expected);
  });

  it('prints 16 lowercase hex digits, independent of key order', () => {
    expect(fingerprintOf({ name: 'garland, briggs', fear: 'love is not enough' })).toBe(
      '507a62d79ee76c9a',
    );
    expect(fingerprintOf({ fear: 'love is not enough', name: 'garland, briggs' })).toBe(
      '507a62d79ee76c9a',
    );
    expect(fingerprintOf({})).toBe('cbf29ce484222325');
  });

  it('tells label sets apart that concatenate alike', () => {
    expect(fingerprintOf({ a: 'bb', b: 'c' })).not.toBe(fingerprintOf({ a: 'b', bb: 'c' }));
  });
});

import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.js';
import { parseLabelSelector } from './label-selector-string.js';

describe('parseLabelSelector', () => {
  it.each([
    ['app=web', { matchLabels: { app: 'web' } }],
    ['app==web,tier=db', { matchLabels: { app: 'web', tier: 'db' } }],
    ['tier!=db', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }],
    ['env in (a, b)', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }],
    [
      'env notin (x),has,!gone',
      {
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['x'] },
          { key: 'has', operator: 'Exists' },
          { key: 'gone', operator: 'DoesNotExist' },
        ],
      },
    ],
    ['', {}],
  ])('%j', (text, expected) => {
    expect(parseLabelSelector(text)).toStrictEqual(expected);
  });

  it.each(['a in ()', 'a=b=c', '(', 'a in (b'])('rejects %j', (text) => {
    expect(() => parseLabelSelector(text)).toThrow(BadRequestError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../resources/common-schemas.js';
import { compileSelector, formatSelector, matchesSelector } from './label-selector.js';

const labels = { app: 'ferretdb', tier: 'db', 'kubernetes.io/metadata.name': 'default', empty: '' };

describe('matchesSelector', () => {
  it.each<[string, LabelSelector | undefined, Record<string, string> | undefined, boolean]>([
    ['absent selector matches (policy semantics)', undefined, labels, true],
    ['absent selector matches no labels too', undefined, undefined, true],
    ['empty selector matches everything', {}, labels, true],
    ['empty selector matches an object without labels', {}, undefined, true],
    ['empty lists match everything', { matchLabels: {}, matchExpressions: [] }, {}, true],
    ['matchLabels equal', { matchLabels: { app: 'ferretdb' } }, labels, true],
    ['matchLabels different value', { matchLabels: { app: 'haproxy' } }, labels, false],
    ['matchLabels missing key', { matchLabels: { psql: 'x' } }, labels, false],
    [
      'matchLabels all pairs ANDed',
      { matchLabels: { app: 'ferretdb', tier: 'web' } },
      labels,
      false,
    ],
    ['matchLabels empty value needs the key present', { matchLabels: { empty: '' } }, labels, true],
    ['matchLabels empty value, key absent', { matchLabels: { nope: '' } }, labels, false],
    [
      'In',
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'db'] }] },
      labels,
      true,
    ],
    [
      'In, other value',
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      labels,
      false,
    ],
    [
      'In, key absent',
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      labels,
      false,
    ],
    [
      'In on no labels at all',
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      undefined,
      false,
    ],
    [
      'NotIn, value not listed',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] },
      labels,
      true,
    ],
    [
      'NotIn, value listed',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
      labels,
      false,
    ],
    [
      'NotIn is true when the key is absent',
      { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
      labels,
      true,
    ],
    [
      'NotIn is true on an object without labels',
      { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
      undefined,
      true,
    ],
    [
      'NotIn with the empty value listed, key holds ""',
      { matchExpressions: [{ key: 'empty', operator: 'NotIn', values: [''] }] },
      labels,
      false,
    ],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels, true],
    [
      'Exists holds for an empty value',
      { matchExpressions: [{ key: 'empty', operator: 'Exists' }] },
      labels,
      true,
    ],
    [
      'Exists, key absent',
      { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
      labels,
      false,
    ],
    [
      'DoesNotExist, key absent',
      { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] },
      labels,
      true,
    ],
    [
      'DoesNotExist, key present',
      { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
      labels,
      false,
    ],
    [
      'DoesNotExist, key present with empty value',
      { matchExpressions: [{ key: 'empty', operator: 'DoesNotExist' }] },
      labels,
      false,
    ],
    [
      'DoesNotExist on no labels',
      { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
      undefined,
      true,
    ],
    [
      'matchLabels AND matchExpressions',
      {
        matchLabels: { app: 'ferretdb' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
      },
      labels,
      false,
    ],
    [
      'every expression must hold',
      {
        matchExpressions: [
          { key: 'app', operator: 'Exists' },
          { key: 'zone', operator: 'DoesNotExist' },
          { key: 'tier', operator: 'In', values: ['db'] },
        ],
      },
      labels,
      true,
    ],
    [
      'an inherited key is not a label',
      { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] },
      {},
      false,
    ],
    [
      'an inherited key: DoesNotExist holds',
      { matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] },
      {},
      true,
    ],
  ])('%s', (_name, selector, subject, expected) => {
    expect(matchesSelector(selector, subject)).toBe(expected);
    expect(compileSelector(selector).matches(subject)).toBe(expected);
  });
});

describe('compileSelector', () => {
  it.each<[LabelSelector | undefined, string, number]>([
    [undefined, '(everything)', 0],
    [{}, '(everything)', 0],
    [{ matchLabels: { app: 'ferretdb' } }, 'app=ferretdb', 1],
    [
      {
        matchLabels: { app: 'a' },
        matchExpressions: [
          { key: 't', operator: 'In', values: ['x', 'y'] },
          { key: 'u', operator: 'NotIn', values: ['z'] },
          { key: 'v', operator: 'Exists' },
          { key: 'w', operator: 'DoesNotExist' },
        ],
      },
      'app=a,t in (x,y),u notin (z),v,!w',
      5,
    ],
  ])('formats %j as %s with %i requirements', (selector, text, count) => {
    expect(formatSelector(selector)).toBe(text);
    expect(compileSelector(selector).requirementCount).toBe(count);
  });

  it.each<[LabelSelector, { key: string; values: string[] } | undefined]>([
    [{ matchLabels: { app: 'a' } }, { key: 'app', values: ['a'] }],
    [
      {
        matchExpressions: [{ key: 'k', operator: 'In', values: ['1', '2', '3'] }],
        matchLabels: { app: 'a' },
      },
      { key: 'app', values: ['a'] },
    ],
    [
      { matchExpressions: [{ key: 'k', operator: 'In', values: ['1', '2'] }] },
      { key: 'k', values: ['1', '2'] },
    ],
    [{ matchExpressions: [{ key: 'k', operator: 'Exists' }] }, undefined],
    [{ matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['1'] }] }, undefined],
  ])('anchors %j on %j (the narrowest value it requires)', (selector, anchor) => {
    expect(compileSelector(selector).anchor).toStrictEqual(anchor);
  });
});

const key = fc.stringMatching(/^[a-z]([a-z0-9.-]{0,10}[a-z0-9])?$/);
const value = fc.stringMatching(/^([a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?)?$/);
const labelMap = fc.dictionary(key, value, { maxKeys: 6 });

describe('selector properties', () => {
  it('the empty selector matches every label set', () => {
    fc.assert(fc.property(fc.option(labelMap, { nil: undefined }), (l) => matchesSelector({}, l)));
  });

  it('In with the label’s own value always matches', () => {
    fc.assert(
      fc.property(labelMap, key, value, fc.array(value, { maxLength: 3 }), (l, k, v, others) => {
        const subject = { ...l, [k]: v };
        const sel: LabelSelector = {
          matchExpressions: [{ key: k, operator: 'In', values: [...others, v] }],
        };
        return (
          compileSelector(sel).matches(subject) &&
          matchesSelector({ matchLabels: { [k]: v } }, subject)
        );
      }),
    );
  });

  it('NotIn is the negation of In, and DoesNotExist of Exists', () => {
    fc.assert(
      fc.property(
        labelMap,
        key,
        fc.array(value, { minLength: 1, maxLength: 3 }),
        (l, k, values) => {
          const inSel = compileSelector({ matchExpressions: [{ key: k, operator: 'In', values }] });
          const notIn = compileSelector({
            matchExpressions: [{ key: k, operator: 'NotIn', values }],
          });
          const exists = compileSelector({ matchExpressions: [{ key: k, operator: 'Exists' }] });
          const absent = compileSelector({
            matchExpressions: [{ key: k, operator: 'DoesNotExist' }],
          });
          return inSel.matches(l) !== notIn.matches(l) && exists.matches(l) !== absent.matches(l);
        },
      ),
    );
  });

  it('matchLabels pairs are ANDed: a selector built from a subset of the labels matches', () => {
    fc.assert(
      fc.property(labelMap, fc.nat(), (l, seed) => {
        const entries = Object.entries(l).filter((_, i) => (seed >> i) & 1);
        return matchesSelector({ matchLabels: Object.fromEntries(entries) }, l);
      }),
    );
  });
});

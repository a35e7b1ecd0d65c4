import { describe, expect, it } from 'vitest';
import type { SchedulePolicy, SchedulePolicySpec } from '../resources/schedule-policy.js';
import { policyWarnings } from './policy-warnings.js';

const policy = (spec: SchedulePolicySpec): SchedulePolicy => ({
  apiVersion: 'policy.elotl.co/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name: 'p' },
  spec,
});

const selects = { resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'x' } }] } };

describe('policyWarnings', () => {
  it.each<[string, SchedulePolicySpec, string[]]>([
    ['a plain policy', { ...selects, clusterSelector: { matchLabels: { a: 'b' } } }, []],
    ['no labelSelectors', {}, ['spec.resourceSelectors.labelSelectors']],
    [
      'an empty labelSelectors list',
      { resourceSelectors: { labelSelectors: [] } },
      ['spec.resourceSelectors.labelSelectors'],
    ],
    [
      'orderedClusterSelector without In',
      { ...selects, orderedClusterSelector: { matchLabels: { a: 'b' } } },
      ['spec.orderedClusterSelector'],
    ],
    [
      'Divide with orderedClusterSelector',
      {
        ...selects,
        orderedClusterSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] },
          ],
        },
        spreadConstraints: { spreadMode: 'Divide' },
      },
      ['spec.spreadConstraints.spreadMode'],
    ],
    [
      'a topologyValue listed twice',
      {
        ...selects,
        spreadConstraints: {
          spreadMode: 'Divide',
          percentageSplit: [
            { topologyValue: 'a', percentage: 50 },
            { topologyValue: 'a', percentage: 50 },
          ],
        },
      },
      ['spec.spreadConstraints.percentageSplit[1].topologyValue'],
    ],
    [
      'an override of metadata.name',
      {
        ...selects,
        spreadConstraints: {
          overrides: [
            {
              topologyValue: 'a',
              resources: [
                {
                  kind: 'ConfigMap',
                  apiVersion: 'v1',
                  name: 'c',
                  override: [
                    { fieldPath: 'data.x', value: { staticValue: 'ok' } },
                    { fieldPath: 'metadata.name', value: { staticValue: 'other' } },
                  ],
                },
              ],
            },
          ],
        },
      },
      ['spec.spreadConstraints.overrides[0].resources[0].override[1].fieldPath'],
    ],
  ])('%s', (_name, spec, paths) => {
    const warnings = policyWarnings(policy(spec));
    expect(warnings.map((w) => w.path)).toStrictEqual(paths);
    for (const w of warnings) expect(w.message.length).toBeGreaterThan(20);
  });
});

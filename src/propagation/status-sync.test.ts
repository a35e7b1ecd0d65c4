import { describe, expect, it } from 'vitest';
import { composeStatus } from './status-sync.js';

const lb = (ip: string) => ({ loadBalancer: { ingress: [{ ip }] } });

describe('composeStatus', () => {
  it.each([
    ['one cluster: its status as is', ['cluster-2'], [['cluster-2', lb('1.1.1.1')]], lb('1.1.1.1')],
    ['one cluster without status: nothing', ['cluster-2'], [], undefined],
    [
      'several clusters: status.clusters by name',
      ['cluster-1', 'cluster-2'],
      [
        ['cluster-1', lb('1.1.1.1')],
        ['cluster-2', lb('2.2.2.2')],
      ],
      { clusters: { 'cluster-1': lb('1.1.1.1'), 'cluster-2': lb('2.2.2.2') } },
    ],
    [
      'several, one reporting',
      ['cluster-1', 'cluster-2'],
      [['cluster-2', lb('2.2.2.2')]],
      { clusters: { 'cluster-2': lb('2.2.2.2') } },
    ],
    ['several, none reporting', ['cluster-1', 'cluster-2'], [], undefined],
    [
      'a cluster it is no longer placed on is left out',
      ['cluster-1'],
      [['cluster-3', lb('3.3.3.3')]],
      undefined,
    ],
  ] as const)('%s', (_what, placed, statuses, expected) => {
    expect(
      composeStatus(placed, new Map(statuses as readonly (readonly [string, unknown])[])),
    ).toStrictEqual(expected);
  });
});

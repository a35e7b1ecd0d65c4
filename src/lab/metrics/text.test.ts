import { describe, expect, it } from 'vitest';
import { formatMetrics } from './text.js';

describe('formatMetrics', () => {
  it('writes HELP and TYPE once per name and escapes label values', () => {
    expect(
      formatMetrics([
        {
          name: 'lifeboat_lab_postgres_up',
          help: 'up.',
          labels: { cluster: 'cluster-1' },
          value: 1,
        },
        { name: 'lifeboat_lab_postgres_up', help: 'up.', labels: { cluster: 'a"b\\c' }, value: 0 },
        { name: 'x', help: 'h', labels: {}, value: Number.NaN },
      ]),
    ).toBe(
      [
        '# HELP lifeboat_lab_postgres_up up.',
        '# TYPE lifeboat_lab_postgres_up gauge',
        'lifeboat_lab_postgres_up{cluster="cluster-1"} 1',
        'lifeboat_lab_postgres_up{cluster="a\\"b\\\\c"} 0',
        '# HELP x h',
        '# TYPE x gauge',
        'x NaN',
        '',
      ].join('\n'),
    );
  });
});

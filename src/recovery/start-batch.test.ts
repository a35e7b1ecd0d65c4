import { describe, expect, it } from 'vitest';
import { MAX_BATCH, StartBatch, type Delivery } from './start-batch.js';

const delivery = (id: string, candidates = 1): Delivery => ({
  keys: [`k-${id}`],
  args: [id],
  candidates,
});

/** A fake start script: per delivery "Done" and one triple per candidate naming the delivery. */
function recorder(answer?: (d: Delivery) => string[]) {
  const calls: string[][] = [];
  const send = (ds: readonly Delivery[]): Promise<string[]> => {
    calls.push(ds.map((d) => d.args[0] ?? ''));
    return Promise.resolve(
      ds.flatMap(
        (d) =>
          answer?.(d) ?? [
            'Done',
            ...Array.from({ length: d.candidates }, (_, i) => [
              'RunStarted',
              `${d.args[0]}-${i}`,
              '',
            ]).flat(),
          ],
      ),
    );
  };
  return { calls, send };
}

describe('StartBatch', () => {
  it('sends what arrives in one turn as one call, and answers each delivery its own share', async () => {
    const r = recorder();
    const batch = new StartBatch(r.send);
    const answers = await Promise.all([
      batch.submit(delivery('a', 2)),
      batch.submit(delivery('b')),
    ]);
    expect(r.calls).toStrictEqual([['a', 'b']]);
    expect(answers).toStrictEqual([
      ['RunStarted', 'a-0', '', 'RunStarted', 'a-1', ''],
      ['RunStarted', 'b-0', ''],
    ]);
  });

  it('sends a full batch at once and the rest at the end of the turn, in order', async () => {
    const r = recorder();
    const batch = new StartBatch(r.send);
    const ids = Array.from({ length: MAX_BATCH + 1 }, (_, i) => `d${i}`);
    const pending = ids.map((id) => batch.submit(delivery(id)));
    // The full batch went out before the turn ended.
    expect(r.calls).toStrictEqual([ids.slice(0, MAX_BATCH)]);
    await Promise.all(pending);
    expect(r.calls).toStrictEqual([ids.slice(0, MAX_BATCH), ids.slice(MAX_BATCH)]);
  });

  it('passes PlansChanged and NeedRecords through to the delivery they concern', async () => {
    const r = recorder((d) =>
      d.args[0] === 'stale'
        ? ['PlansChanged']
        : d.args[0] === 'new'
          ? ['NeedRecords']
          : ['Done', 'Duplicate', 'run-1', ''],
    );
    const batch = new StartBatch(r.send);
    const answers = await Promise.all(
      ['stale', 'ok', 'new'].map((id) => batch.submit(delivery(id))),
    );
    expect(answers).toStrictEqual(['PlansChanged', ['Duplicate', 'run-1', ''], 'NeedRecords']);
  });

  it('fails every delivery of a call that fails, and only those', async () => {
    let n = 0;
    const batch = new StartBatch(() =>
      ++n === 1
        ? Promise.reject(new Error('redis away'))
        : Promise.resolve(['Done', 'Recorded', '', '']),
    );
    const first = Promise.allSettled([batch.submit(delivery('a')), batch.submit(delivery('b'))]);
    expect((await first).map((s) => s.status)).toStrictEqual(['rejected', 'rejected']);
    await expect(batch.submit(delivery('c'))).resolves.toStrictEqual(['Recorded', '', '']);
  });

  it('rejects an answer it cannot read instead of guessing', async () => {
    const batch = new StartBatch(() => Promise.resolve(['Bogus']));
    await expect(batch.submit(delivery('a'))).rejects.toThrow(/answered Bogus/);
  });
});

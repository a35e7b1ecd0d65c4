import { describe, expect, it } from 'vitest';
import { PRUNE, ROUTINE, URGENT, WorkQueue } from './work-queue.js';

function drain(q: WorkQueue): string[] {
  const out: string[] = [];
  for (let id = q.take(); id !== undefined; id = q.take()) {
    out.push(id);
    q.done(id);
  }
  return out;
}

describe('WorkQueue', () => {
  it('takes urgent before routine before prune, each in insertion order', () => {
    const q = new WorkQueue();
    q.add('p1', PRUNE);
    q.add('r1', ROUTINE);
    q.add('u1', URGENT);
    q.add('r2', ROUTINE);
    q.add('u2', URGENT);
    expect(drain(q)).toStrictEqual(['u1', 'u2', 'r1', 'r2', 'p1']);
  });

  it('holds each id once, raising (never lowering) its priority', () => {
    const q = new WorkQueue();
    q.add('a', ROUTINE);
    q.add('b', ROUTINE);
    q.add('b', URGENT);
    q.add('a', PRUNE);
    expect(q.queued).toBe(2);
    expect(drain(q)).toStrictEqual(['b', 'a']);
  });

  it('runs an id added while running once more after it is done', () => {
    const q = new WorkQueue();
    q.add('a', ROUTINE);
    expect(q.take()).toBe('a');
    q.add('a', URGENT);
    q.add('a', PRUNE);
    expect(q.has('a')).toBe(true);
    expect(q.take()).toBeUndefined();
    q.done('a');
    expect(drain(q)).toStrictEqual(['a']);
    expect(q.has('a')).toBe(false);
  });

  it('clear drops queued work but lets running ids finish', () => {
    const q = new WorkQueue();
    q.add('a', URGENT);
    q.add('b', URGENT);
    expect(q.take()).toBe('a');
    q.add('a', URGENT);
    q.clear();
    q.done('a');
    expect(q.take()).toBeUndefined();
    expect(q.inFlight).toBe(0);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { gcFunction, HeapTrim } from './heap-trim.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('HeapTrim', () => {
  it('runs one full GC when the workers are quiet after enough work, and not before', () => {
    vi.useFakeTimers();
    let idle = false;
    const gc = vi.fn();
    const trim = new HeapTrim(
      () => idle,
      3,
      1000,
      () => gc,
    );
    trim.start();
    trim.did();
    trim.did();
    idle = true;
    vi.advanceTimersByTime(1000);
    expect(gc).not.toHaveBeenCalled(); // 2 operations: no burst
    trim.did();
    idle = false;
    vi.advanceTimersByTime(1000);
    expect(gc).not.toHaveBeenCalled(); // still busy
    idle = true;
    vi.advanceTimersByTime(1000);
    expect(gc).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(gc).toHaveBeenCalledTimes(1); // once per burst
    trim.stop();
  });

  it('reaches the real gc without --expose-gc on the command line', () => {
    expect(process.execArgv).not.toContain('--expose-gc');
    expect(typeof gcFunction()).toBe('function');
  });
});

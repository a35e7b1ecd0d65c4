import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One thing a lab component did, with its wall-clock time: the drill reads these to
 * time the failover's pieces (promote, pg_rewind, HAProxy reload) without asking anyone.
 */
export interface LabEvent {
  /** ISO time. */
  at: string;
  /** Which component: `percona-standin/cluster-2`, `haproxy-standin` ... */
  source: string;
  /** What happened: `promoted`, `demoted`, `haproxy-reloaded`, `loadbalancer-filled` ... */
  event: string;
  /** How long it took, when it is an operation. */
  ms?: number;
  [detail: string]: unknown;
}

/** `<dir>/events.jsonl`. */
export function eventsPath(dir: string): string {
  return path.join(dir, 'events.jsonl');
}

/** Appends one event (one JSON line; appends of one line are atomic across processes). */
export async function appendLabEvent(
  dir: string,
  event: Omit<LabEvent, 'at'> & { at?: string },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await appendFile(
    eventsPath(dir),
    JSON.stringify({ at: new Date().toISOString(), ...event }) + '\n',
  );
}

/** Every event recorded in the lab in `dir` (oldest first); empty when none. */
export async function readLabEvents(dir: string): Promise<LabEvent[]> {
  const text = await readFile(eventsPath(dir), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LabEvent];
      } catch {
        return [];
      }
    });
}

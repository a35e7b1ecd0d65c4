import { spawn } from 'node:child_process';
import { LabServiceError } from './errors.js';

/** Options of {@link runCommand}. */
export interface RunOptions {
  uid?: number;
  gid?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (and the promise rejected) after this long. Default 120 s. */
  timeoutMs?: number;
  /** Text fed to standard input. */
  input?: string;
}

/** What a finished command printed. */
export interface RunResult {
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a one-shot command (initdb, pg_basebackup, pg_rewind, `haproxy -c`, promtool) and
 * resolves with its output, or rejects with a {@link LabServiceError} quoting its stderr.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const t0 = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      uid: options.uid,
      gid: options.gid,
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new LabServiceError(`cannot run ${command}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      if (code === 0) resolve({ stdout, stderr, ms });
      else {
        const why = signal
          ? `was killed (${signal}${signal === 'SIGKILL' ? `, timeout ${String(timeoutMs / 1000)}s` : ''})`
          : `exited with ${String(code)}`;
        reject(
          new LabServiceError(
            `${command} ${args.join(' ')} ${why}:\n${(stderr || stdout).trim().split('\n').slice(-20).join('\n')}`,
          ),
        );
      }
    });
    if (child.stdin) {
      // A command that exits without reading its input must not crash us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

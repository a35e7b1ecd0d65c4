/** The root pino logger. Secrets never reach a log line: these paths are censored. */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.kubeconfig.token',
  'token',
  'password',
];

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'lifeboat',
    level: opts.level ?? process.env.LIFEBOAT_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

export type { Logger };

/**
 * `lifeboat serve` configuration: flags over environment over defaults, validated once
 * at start. Everything the process needs to know comes from here.
 */
import { z } from 'zod';
import { InvalidError } from './errors.js';

export const serveConfigSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  /** redis://… of an existing Redis; absent: start a private redis-server under dataDir. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  keyPrefix: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9:_.-]+$/, 'use letters, digits and : _ . -'),
  tokensFile: z.string().min(1).optional(),
  policiesDir: z.string().min(1),
  plansDir: z.string().min(1),
  /** Extra GitOps folders (examples, workloads), loaded like the two above. */
  extraDirs: z.array(z.string().min(1)),
  dataDir: z.string().min(1),
  gitops: z.boolean(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  /** ReceivedAlert retention: seconds (0: no age limit) and count (0: no count limit). */
  alertMaxAgeSeconds: z.number().int().min(0),
  alertMaxCount: z.number().int().min(0),
});

export type ServeConfig = z.infer<typeof serveConfigSchema>;

export interface ServeFlags {
  host?: string;
  port?: string | number;
  redis?: string;
  keyPrefix?: string;
  tokensFile?: string;
  policiesDir?: string;
  plansDir?: string;
  dir?: string[];
  dataDir?: string;
  gitops?: boolean;
  logLevel?: string;
  alertMaxAge?: string;
  alertMaxCount?: string | number;
}

/** `7d`, `12h`, `30m`, `90s` or plain seconds → seconds; NaN when it does not parse. */
export function parseDurationSeconds(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) return NaN;
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Builds the config from CLI flags and LIFEBOAT_* variables; throws InvalidError naming the flag. */
export function loadServeConfig(
  flags: ServeFlags,
  env: NodeJS.ProcessEnv = process.env,
): ServeConfig {
  const raw = {
    host: flags.host ?? env.LIFEBOAT_HOST ?? '127.0.0.1',
    port: Number(flags.port ?? env.LIFEBOAT_PORT ?? 8080),
    redisUrl: flags.redis ?? env.LIFEBOAT_REDIS_URL ?? undefined,
    keyPrefix: flags.keyPrefix ?? env.LIFEBOAT_KEY_PREFIX ?? 'lifeboat:',
    tokensFile: flags.tokensFile ?? env.LIFEBOAT_TOKENS_FILE ?? undefined,
    policiesDir: flags.policiesDir ?? env.LIFEBOAT_POLICIES_DIR ?? 'policies',
    plansDir: flags.plansDir ?? env.LIFEBOAT_PLANS_DIR ?? 'recovery-plans',
    extraDirs: flags.dir ?? [],
    dataDir: flags.dataDir ?? env.LIFEBOAT_DATA_DIR ?? '.lifeboat',
    gitops: flags.gitops ?? true,
    logLevel: flags.logLevel ?? env.LIFEBOAT_LOG_LEVEL ?? 'info',
    alertMaxAgeSeconds: parseDurationSeconds(
      flags.alertMaxAge ?? env.LIFEBOAT_ALERT_MAX_AGE ?? '7d',
    ),
    alertMaxCount: Number(flags.alertMaxCount ?? env.LIFEBOAT_ALERT_MAX_COUNT ?? 10_000),
  };
  const res = serveConfigSchema.safeParse(raw);
  if (!res.success) {
    const flagOf: Record<string, string> = {
      redisUrl: '--redis',
      keyPrefix: '--key-prefix',
      tokensFile: '--tokens-file',
      policiesDir: '--policies-dir',
      plansDir: '--plans-dir',
      dataDir: '--data-dir',
      logLevel: '--log-level',
      alertMaxAgeSeconds: '--alert-max-age',
      alertMaxCount: '--alert-max-count',
    };
    const causes = res.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return { field: flagOf[key] ?? `--${key}`, message: i.message };
    });
    throw new InvalidError(
      `invalid configuration: ${causes.map((c) => `${c.field} ${c.message}`).join('; ')}`,
      causes,
    );
  }
  return res.data;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `lifeboat serve`: the control plane process. */
import type { Command } from 'commander';
import { loadServeConfig, type ServeFlags } from '../../config.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane: HTTP API, GitOps folders, recovery worker')
    .option('--host <host>', 'address to bind (LIFEBOAT_HOST)', undefined)
    .option('--port <port>', 'port to listen on (LIFEBOAT_PORT)', undefined)
    .option(
      '--redis <url>',
      'Redis URL (LIFEBOAT_REDIS_URL); default: start a private redis-server under --data-dir',
    )
    .option('--key-prefix <prefix>', 'prefix for every Redis key (LIFEBOAT_KEY_PREFIX)', undefined)
    .option(
      '--tokens-file <file>',
      'YAML tokens file: tokens: [{name, role: admin|operator|viewer, token}] (LIFEBOAT_TOKENS_FILE)',
    )
    .option(
      '--policies-dir <dir>',
      'GitOps folder of SchedulePolicies (LIFEBOAT_POLICIES_DIR)',
      undefined,
    )
    .option('--plans-dir <dir>', 'GitOps folder of RecoveryPlans (LIFEBOAT_PLANS_DIR)', undefined)
    .option(
      '--dir <dir>',
      'another GitOps folder to load, e.g. examples/ferretdb-percona (repeatable)',
      collect,
    )
    .option('--no-gitops', 'do not load or watch GitOps folders')
    .option(
      '--data-dir <dir>',
      'where the private redis-server keeps its data (LIFEBOAT_DATA_DIR)',
      undefined,
    )
    .option(
      '--log-level <level>',
      'trace, debug, info, warn, error, silent (LIFEBOAT_LOG_LEVEL)',
      undefined,
    )
    .option(
      '--alert-max-age <duration>',
      'delete ReceivedAlerts older than this: 7d, 12h, 30m, 90s; 0 keeps them (LIFEBOAT_ALERT_MAX_AGE)',
      undefined,
    )
    .option(
      '--alert-max-count <n>',
      'keep at most the newest N ReceivedAlerts; 0 keeps any number (LIFEBOAT_ALERT_MAX_COUNT)',
      undefined,
    )
    .addHelpText(
      'after',
      `
Defaults: --host 127.0.0.1 --port 8080 --key-prefix lifeboat: --policies-dir policies
--plans-dir recovery-plans --data-dir .lifeboat --alert-max-age 7d --alert-max-count 10000.
Without tokens the API is open and binds to loopback only. Tokens may also come from LIFEBOAT_ADMIN_TOKEN, LIFEBOAT_OPERATOR_TOKEN and
LIFEBOAT_VIEWER_TOKEN.`,
    )
    .action(async (flags: ServeFlags) => {
      // Loaded on use: the server's dependencies are heavy and client verbs do not need them.
      const { serveUntilSignalled } = await import('../../main.js');
      await serveUntilSignalled(loadServeConfig(flags));
    });
}

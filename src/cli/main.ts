/** The `lifeboat` command line. */
import { Command, CommanderError } from 'commander';
import { LifeboatError, formatCauses, type Cause } from '../errors.js';
import { ApiClient, CliError } from './client.js';
import { registerApply } from './commands/apply.js';
import { registerGetDelete } from './commands/get-delete.js';
import { registerLab } from './commands/lab.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerValidate } from './commands/validate.js';

export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description(
      'Disaster-recovery control plane for Kubernetes (Nova-compatible SchedulePolicy and RecoveryPlan)',
    )
    .option('--server <url>', 'lifeboat API URL (LIFEBOAT_SERVER, default http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (LIFEBOAT_TOKEN)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const client = (): ApiClient => {
    const o = program.opts<{ server?: string; token?: string }>();
    return new ApiClient({ server: o.server, token: o.token });
  };
  registerServe(program);
  registerApply(program, client);
  registerGetDelete(program, client);
  registerValidate(program);
  registerRun(program, client);
  registerLab(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const causes: Cause[] =
      err instanceof CliError || (err instanceof LifeboatError && 'causes' in err)
        ? (err as { causes: Cause[] }).causes
        : [];
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (causes.length > 0) process.stderr.write(`${formatCauses(causes)}\n`);
    if (!(err instanceof CliError || err instanceof LifeboatError) && process.env.LIFEBOAT_DEBUG) {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? '') : ''}\n`);
    }
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  }
}

await main(process.argv);

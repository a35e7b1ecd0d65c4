/** `lifeboat apply -f PATH|-`: validates locally (with file:line), then applies all in one request. */
import type { Command } from 'commander';
import { ApiClient, CliError } from '../client.js';
import { readManifests } from '../read-manifests.js';
import { table } from '../output.js';
import { formatCauses } from '../../errors.js';
import type { ApplyResult } from '../../store/resource-service.js';

interface ApplyOptions {
  filename: string[];
  dryRun?: boolean;
  output?: string;
}

export function registerApply(program: Command, client: () => ApiClient): void {
  program
    .command('apply')
    .description('create or update objects from files, folders or stdin; all or nothing')
    .requiredOption('-f, --filename <path...>', 'files or folders (recursively); - for stdin')
    .option('--dry-run', 'validate on the server and show what would change, writing nothing')
    .option('-o, --output <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      '\nExamples:\n  lifeboat apply -f examples/ferretdb-percona/\n  cat plan.yaml | lifeboat apply -f -',
    )
    .action(async (opts: ApplyOptions) => {
      const r = await readManifests(opts.filename);
      if (r.errors.length > 0)
        throw new CliError(`${r.errors.length} error(s); nothing was sent`, r.errors);
      if (r.warnings.length > 0)
        process.stderr.write(
          `${formatCauses(r.warnings.map((w) => ({ ...w, message: `warning: ${w.message}` })))}\n`,
        );
      if (r.manifests.length === 0) throw new CliError('no objects found in the given paths');
      const body = JSON.stringify(r.manifests.map((m) => m.object));
      const res = await client().request<{ results: ApplyResult[] }>(
        'POST',
        `/apply${opts.dryRun ? '?dryRun=true' : ''}`,
        body,
      );
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
        return;
      }
      const rows = res.results.map((x) => [
        `${x.kind}/${x.name}`,
        x.namespace ?? '',
        x.action + (opts.dryRun ? ' (dry run)' : ''),
      ]);
      process.stdout.write(`${table(['OBJECT', 'NAMESPACE', 'RESULT'], rows)}\n`);
    });
}

/** `lifeboat validate PATH...`: offline checks for GitOps pipelines; exit 1 on any error. */
import type { Command } from 'commander';
import { formatCauses } from '../../errors.js';
import { readManifests } from '../read-manifests.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check manifests offline (no server): schemas, selectors, field paths, templates')
    .argument('<paths...>', 'files or folders (recursively *.yaml, *.yml, *.json); - for stdin')
    .addHelpText(
      'after',
      '\nExit code 0 when every object is valid, 1 otherwise. Every problem is printed as file:line:column: field: message.',
    )
    .action(async (paths: string[]) => {
      const r = await readManifests(paths);
      if (r.warnings.length > 0)
        process.stderr.write(
          `${formatCauses(r.warnings.map((w) => ({ ...w, message: `warning: ${w.message}` })))}\n`,
        );
      if (r.errors.length > 0) {
        process.stderr.write(`${formatCauses(r.errors)}\n`);
        process.stderr.write(`${r.errors.length} error(s) in ${r.files} file(s)\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${r.manifests.length} object(s) in ${r.files} file(s) are valid\n`);
    });
}

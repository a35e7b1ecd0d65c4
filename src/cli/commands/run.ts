/**
 * `lifeboat run PLAN [--dry-run] [--watch]` and `lifeboat runs [--plan P]`: start a
 * recovery plan by hand, preview it, follow its steps live, list run history.
 */
import type { Command } from 'commander';
import { PLAN_LABEL, type RecoveryRun, type StepStatus } from '../../resources/records.js';
import { CliError, type ApiClient } from '../client.js';
import { age, parseOutput, render, table, type OutputFormat } from '../output.js';

const RUNS_PATH = '/apis/recovery.elotl.co/v1alpha1/recoveryruns';

/** Where the commands write; tests pass their own. */
export interface RunIo {
  out(text: string): void;
  sleep(ms: number): Promise<void>;
}

const processIo: RunIo = {
  out: (text) => process.stdout.write(text),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

function show(v: unknown): string {
  if (v === undefined) return '';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text.replace(/\n/g, '\\n');
}

function ms(v: number | undefined): string {
  if (v === undefined) return '-';
  return v < 1000 ? `${v}ms` : `${(v / 1000).toFixed(1)}s`;
}

/** What a step did, in a few words: before → after, the output, or the error. */
function result(s: StepStatus): string {
  if (s.error) return s.error;
  if ('before' in s || 'after' in s) return `${show(s.before)} → ${show(s.after)}`;
  if (s.output !== undefined) return show(s.output);
  return '';
}

/** The steps of a run as a table. */
export function stepsTable(run: RecoveryRun): string {
  return table(
    ['#', 'TYPE', 'STEP', 'STATE', 'TIME', 'RESULT'],
    run.status.steps.map((s) => [
      String(s.index + 1),
      s.type,
      s.name ?? s.summary,
      s.state,
      ms(s.durationMs),
      result(s),
    ]),
  );
}

function stepLine(run: RecoveryRun, s: StepStatus): string {
  const n = `[${s.index + 1}/${run.status.steps.length}]`;
  const detail = result(s);
  const time = s.state === 'Running' ? '' : ` (${ms(s.durationMs)})`;
  return `${n} ${s.type} ${s.name ?? s.summary}: ${s.state}${time}${detail && s.state !== 'Running' ? ` — ${detail}` : ''}\n`;
}

function triggerOf(run: RecoveryRun): string {
  const t = run.spec.trigger;
  if (t.type === 'manual') return `manual (${t.caller ?? '?'})`;
  return `alert ${t.labels?.alertname ?? t.fingerprint ?? ''}`.trim();
}

function finish(run: RecoveryRun): void {
  if (run.status.phase === 'Failed')
    throw new CliError(`run ${run.metadata.name} failed: ${run.status.message ?? 'see its steps'}`);
}

/** Polls a run and prints each step as it starts and ends, until the run is final. */
async function watch(
  api: ApiClient,
  io: RunIo,
  name: string,
  intervalMs: number,
): Promise<RecoveryRun> {
  const seen = new Map<number, string>();
  for (;;) {
    const run = await api.request<RecoveryRun>('GET', `${RUNS_PATH}/${encodeURIComponent(name)}`);
    for (const s of run.status.steps) {
      const key = `${s.state}/${s.attempts}`;
      if (s.state !== 'Pending' && seen.get(s.index) !== key) {
        seen.set(s.index, key);
        io.out(stepLine(run, s));
      }
    }
    if (run.status.phase === 'Succeeded' || run.status.phase === 'Failed') {
      io.out(`run ${name} ${run.status.phase} in ${ms(run.status.durationMs)}\n`);
      return run;
    }
    await io.sleep(intervalMs);
  }
}

interface RunOptions {
  dryRun?: boolean;
  watch?: boolean;
  output: string;
}

export function registerRun(
  program: Command,
  client: () => ApiClient,
  io: RunIo = processIo,
): void {
  program
    .command('run')
    .description('run a recovery plan now (needs the operator role)')
    .argument('<plan>', 'the RecoveryPlan name')
    .option(
      '--dry-run',
      'render every step and perform the reads; show patches as before → after; change nothing',
    )
    .option('-w, --watch', 'follow the run step by step until it ends (exit code 1 if it fails)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .addHelpText(
      'after',
      `
Examples:
  lifeboat run psql-primary-failover-plan --dry-run
  lifeboat run psql-primary-failover-plan --watch`,
    )
    .action(async (plan: string, opts: RunOptions) => {
      const format: OutputFormat = parseOutput(opts.output);
      const api = client();
      const path = `/apis/recovery.elotl.co/v1alpha1/recoveryplans/${encodeURIComponent(plan)}/run${opts.dryRun ? '?dryRun=true' : ''}`;
      const run = await api.request<RecoveryRun>('POST', path);
      if (opts.dryRun) {
        io.out(
          format === 'table'
            ? `dry run of ${plan}: ${run.status.phase}${run.status.message ? ` (${run.status.message})` : ''}\n${stepsTable(run)}\n`
            : `${render(run, format)}\n`,
        );
        finish(run);
        return;
      }
      if (!opts.watch) {
        io.out(
          format === 'table'
            ? `run ${run.metadata.name} started; follow it with: lifeboat get recoveryruns ${run.metadata.name}\n`
            : `${render(run, format)}\n`,
        );
        return;
      }
      if (format === 'table') io.out(`run ${run.metadata.name} started\n`);
      const final = await watch(
        api,
        format === 'table' ? io : { ...io, out: () => undefined },
        run.metadata.name,
        250,
      );
      if (format !== 'table') io.out(`${render(final, format)}\n`);
      finish(final);
    });

  program
    .command('runs')
    .description('list recovery runs, oldest first')
    .option('-p, --plan <plan>', 'only the runs of this plan')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (opts: { plan?: string; output: string }) => {
      const format = parseOutput(opts.output);
      const query = opts.plan
        ? `?labelSelector=${encodeURIComponent(`${PLAN_LABEL}=${opts.plan}`)}`
        : '';
      const list = await client().request<{ items: RecoveryRun[] }>('GET', `${RUNS_PATH}${query}`);
      const items = [...list.items].sort((a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
      );
      if (format !== 'table') {
        io.out(`${render({ ...list, items }, format)}\n`);
        return;
      }
      if (items.length === 0) {
        io.out(`no recovery runs${opts.plan ? ` of plan ${opts.plan}` : ''}\n`);
        return;
      }
      const rows = items.map((r) => {
        const done = r.status.steps.filter((s) => s.state === 'Succeeded').length;
        return [
          r.metadata.name,
          r.spec.plan,
          r.status.phase,
          triggerOf(r),
          `${done}/${r.status.steps.length}`,
          ms(r.status.durationMs),
          age(r.metadata.creationTimestamp),
        ];
      });
      io.out(`${table(['NAME', 'PLAN', 'PHASE', 'TRIGGER', 'STEPS', 'DURATION', 'AGE'], rows)}\n`);
    });
}

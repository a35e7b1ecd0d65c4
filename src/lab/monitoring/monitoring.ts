import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LabServiceError } from '../processes/errors.js';
import { assertPortFree } from '../../util/ports.js';
import { labPrerequisites, requirePrerequisites } from '../processes/prerequisites.js';
import { runCommand } from '../processes/run.js';
import { serviceRunning, startService, stopService } from '../processes/supervisor.js';
import type { LabTopology } from '../topology/topology.js';
import { renderAlertmanagerConfig, renderPrometheusConfig, renderRules } from './config.js';

/** Where Alertmanager delivers: lifeboat's webhook and the bearer token it accepts. */
export interface WebhookTarget {
  /** `http://127.0.0.1:8080/webhooks/alertmanager`. */
  url: string;
  token: string;
}

/** Files of the lab's monitoring under `<dir>/monitoring/`. */
export function monitoringFiles(dir: string) {
  const base = path.join(dir, 'monitoring');
  return {
    base,
    prometheusConfig: path.join(base, 'prometheus.yml'),
    rules: path.join(base, 'rules.yml'),
    prometheusData: path.join(base, 'prometheus-data'),
    alertmanagerConfig: path.join(base, 'alertmanager.yml'),
    alertmanagerData: path.join(base, 'alertmanager-data'),
    tokenFile: path.join(base, 'webhook-token'),
  };
}

/** Writes prometheus.yml, rules.yml, alertmanager.yml and the token file for `topology`. */
export async function writeMonitoringConfig(
  topology: LabTopology,
  webhook: WebhookTarget,
): Promise<void> {
  const f = monitoringFiles(topology.dir);
  await mkdir(f.base, { recursive: true });
  const [primary, standby] = topology.databases;
  await writeFile(
    f.prometheusConfig,
    renderPrometheusConfig({
      targets: topology.metrics.map((m) => ({
        job: m.cluster,
        address: `${m.host}:${String(m.port)}`,
      })),
      alertmanager: `${topology.alertmanager.host}:${String(topology.alertmanager.port)}`,
      rulesFile: f.rules,
    }),
  );
  await writeFile(
    f.rules,
    renderRules({ primaryCluster: primary.name, standbyCluster: standby.name }),
  );
  await writeFile(f.tokenFile, `${webhook.token}\n`, { mode: 0o600 });
  await writeFile(
    f.alertmanagerConfig,
    renderAlertmanagerConfig({ webhookUrl: webhook.url, credentialsFile: f.tokenFile }),
  );
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Where the started monitoring answers. */
export interface MonitoringEndpoints {
  prometheus: string;
  alertmanager: string;
}

/**
 * Writes the monitoring configuration, validates it (promtool, amtool), and starts
 * Prometheus and Alertmanager (Debian packages, installed first when `install` and root)
 * on their loopback ports, Alertmanager without HA gossip. Resolves once both are ready.
 */
export async function startMonitoring(
  topology: LabTopology,
  webhook: WebhookTarget,
  options: { install?: boolean; onProgress?: (line: string) => void } = {},
): Promise<MonitoringEndpoints> {
  await requirePrerequisites([labPrerequisites.prometheus, labPrerequisites.alertmanager], options);
  const f = monitoringFiles(topology.dir);
  await writeMonitoringConfig(topology, webhook);
  const check = async (tool: string, args: string[]) => {
    try {
      await runCommand(tool, args, { timeoutMs: 30_000 });
    } catch (err) {
      throw new LabServiceError(
        `generated monitoring config rejected by ${tool}: ${(err as Error).message}`,
      );
    }
  };
  await check('/usr/bin/promtool', ['check', 'config', f.prometheusConfig]);
  await check('/usr/bin/amtool', ['check-config', f.alertmanagerConfig]);

  const am = topology.alertmanager;
  const amUrl = `http://${am.host}:${String(am.port)}`;
  if (!(await serviceRunning(topology.dir, 'alertmanager'))) {
    await assertPortFree(
      am.host,
      am.port,
      'Alertmanager',
      'choose another with --alertmanager-port',
    );
    await mkdir(f.alertmanagerData, { recursive: true });
    await startService(topology.dir, {
      name: 'alertmanager',
      command: labPrerequisites.alertmanager.path,
      args: [
        `--config.file=${f.alertmanagerConfig}`,
        `--storage.path=${f.alertmanagerData}`,
        `--web.listen-address=${am.host}:${String(am.port)}`,
        // Empty: no HA gossip listener (one instance, loopback only).
        '--cluster.listen-address=',
        '--data.retention=24h',
      ],
      marker: `--config.file=${f.alertmanagerConfig}`,
      ready: () => httpOk(`${amUrl}/-/ready`),
      readyTimeoutMs: 30_000,
    });
    options.onProgress?.(`Alertmanager on ${amUrl}`);
  }

  const prom = topology.prometheus;
  const promUrl = `http://${prom.host}:${String(prom.port)}`;
  if (!(await serviceRunning(topology.dir, 'prometheus'))) {
    await assertPortFree(
      prom.host,
      prom.port,
      'Prometheus',
      'choose another with --prometheus-port',
    );
    await mkdir(f.prometheusData, { recursive: true });
    await startService(topology.dir, {
      name: 'prometheus',
      command: labPrerequisites.prometheus.path,
      args: [
        `--config.file=${f.prometheusConfig}`,
        `--storage.tsdb.path=${f.prometheusData}`,
        `--web.listen-address=${prom.host}:${String(prom.port)}`,
        '--storage.tsdb.retention.time=1d',
        '--web.enable-lifecycle',
      ],
      marker: `--config.file=${f.prometheusConfig}`,
      ready: () => httpOk(`${promUrl}/-/ready`),
      readyTimeoutMs: 60_000,
    });
    options.onProgress?.(`Prometheus on ${promUrl}`);
  }
  return { prometheus: promUrl, alertmanager: amUrl };
}

/** Stops Prometheus and Alertmanager. */
export async function stopMonitoring(dir: string): Promise<void> {
  await stopService(dir, 'prometheus');
  await stopService(dir, 'alertmanager');
}

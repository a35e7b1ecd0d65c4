/**
 * The real `lifeboat` command end to end: `serve` as a child process with the repo's
 * GitOps folders and a tokens file, and the client verbs against it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/util/ports.js';
import { dropPrefix, newRedis, randomPrefix, redisUrl } from '../support/redis.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/lifeboat.js');
const ADMIN = 'cli-admin-token-0123456789abcdef';
const VIEWER = 'cli-viewer-token-0123456789abcdef';

async function lifeboat(args: string[], env: Record<string, string> = {}, input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      'node',
      [bin, ...args],
      { cwd: root, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

describe('lifeboat serve + CLI', () => {
  let child: ChildProcess;
  let server: string;
  let prefix: string;
  let redis: Redis;
  let tmp: string;
  let logs = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-cli-'));
    const tokens = path.join(tmp, 'tokens.yaml');
    await writeFile(
      tokens,
      `tokens:\n  - {name: ci, role: admin, token: "${ADMIN}"}\n  - {name: dash, role: viewer, token: "${VIEWER}"}\n`,
    );
    const port = await freePort();
    prefix = randomPrefix('cli');
    redis = newRedis();
    server = `http://127.0.0.1:${port}`;
    env = { LIFEBOAT_SERVER: server, LIFEBOAT_TOKEN: ADMIN };
    child = spawn(
      'node',
      [
        bin,
        'serve',
        '--port',
        String(port),
        '--redis',
        redisUrl(),
        '--key-prefix',
        prefix,
        '--tokens-file',
        tokens,
        '--policies-dir',
        'policies',
        '--plans-dir',
        'recovery-plans',
        '--log-level',
        'warn',
      ],
      { cwd: root },
    );
    child.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    for (let i = 0; ; i++) {
      const status = await fetch(`${server}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (i > 150 || child.exitCode !== null)
        throw new Error(`lifeboat serve did not become ready:\n${logs}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await dropPrefix(redis, prefix);
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  });

  it('loads the GitOps folders at start', async () => {
    const res = await lifeboat(['get', 'policies'], env);
    expect(res.code).toBe(0);
    for (const name of [
      'spread-ferretdb',
      'psql-cluster-1-ferretdb',
      'psql-cluster-2-ferretdb',
      'haproxy-cluster-3',
    ])
      expect(res.stdout).toContain(name);
    const plans = await lifeboat(['get', 'plans', '-o', 'json'], env);
    expect(JSON.parse(plans.stdout).items.map((p: any) => p.metadata.name)).toStrictEqual([
      'psql-primary-failback-plan',
      'psql-primary-failover-plan',
    ]);
  });

  it('applies a folder, gets one object as YAML, deletes it', async () => {
    const applied = await lifeboat(['apply', '-f', 'examples/ferretdb-percona'], env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/PerconaPGCluster\/cluster1\s+psql-operator\s+created/);
    const again = await lifeboat(['apply', '-f', 'examples/ferretdb-percona'], env);
    expect(again.stdout).not.toContain('created');
    const got = await lifeboat(
      ['get', 'perconapgclusters', 'cluster2', '-n', 'psql-operator', '-o', 'yaml'],
      env,
    );
    expect(parse(got.stdout).spec.standby.enabled).toBe(true);
    const del = await lifeboat(['delete', 'cm', 'haproxy-config', '-n', 'psql-operator'], env);
    expect(del.code).toBe(0);
    expect((await lifeboat(['get', 'cm', 'haproxy-config', '-n', 'psql-operator'], env)).code).toBe(
      1,
    );
  });

  it('applies from stdin', async () => {
    const res = await lifeboat(
      ['apply', '-f', '-'],
      env,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\ndata: {a: "1"}\n',
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('ConfigMap/from-stdin');
  });

  it('reports bad input with file:line and sends nothing', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    await writeFile(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n');
    const res = await lifeboat(['apply', '-f', bad], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${bad}:4:3: metadata.name`);
    expect(res.stderr).toContain('nothing was sent');
  });

  it('says what to do about a wrong token, a weak role and an unreachable server', async () => {
    const wrong = await lifeboat(['get', 'policies'], {
      ...env,
      LIFEBOAT_TOKEN: 'nope-nope-nope-nope',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('401');
    const viewer = await lifeboat(['delete', 'policy', 'spread-ferretdb'], {
      ...env,
      LIFEBOAT_TOKEN: VIEWER,
    });
    expect(viewer.stderr).toContain('needs the admin role');
    const down = await lifeboat(['get', 'policies', '--server', 'http://127.0.0.1:9'], env);
    expect(down.stderr).toContain('cannot reach lifeboat');
  });

  it('unknown kinds and -o values are clear errors', async () => {
    expect((await lifeboat(['get', 'widgets'], env)).stderr).toContain('unknown kind "widgets"');
    expect((await lifeboat(['get', 'policies', '-o', 'xml'], env)).stderr).toContain('-o xml');
  });

  it('validate works offline: ok for the repo, file:line for the seed as printed', async () => {
    const ok = await lifeboat(['validate', 'policies', 'recovery-plans', 'examples'], {});
    expect(ok.code).toBe(0);
    const bad = await lifeboat(
      ['validate', 'test/fixtures/seed-recovery-plan-as-printed.yaml'],
      {},
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('seed-recovery-plan-as-printed.yaml:39:');
  });

  it('GitOps status is visible through the API', async () => {
    const res = await fetch(`${server}/gitops/status`, {
      headers: { authorization: `Bearer ${VIEWER}` },
    });
    const body = (await res.json()) as { files: { file: string; ok: boolean }[] };
    expect(body.files.map((f) => f.file).sort()).toStrictEqual([
      'policies/percona-and-haproxy.yaml',
      'policies/seed-ferretdb.yaml',
      'recovery-plans/psql-primary-failback-plan.yaml',
      'recovery-plans/psql-primary-failover-plan.yaml',
    ]);
    expect(body.files.every((f) => f.ok)).toBe(true);
  });

  it('--help works for every verb', async () => {
    for (const verb of ['serve', 'apply', 'get', 'delete', 'validate', 'lab']) {
      const res = await lifeboat([verb, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('Usage: lifeboat');
    }
  });

  it('docker-compose.yml runs serve with flags the CLI has and the port it publishes', async () => {
    const compose = parse(await readFile(path.join(root, 'docker-compose.yml'), 'utf8'));
    const command: string[] = compose.services.lifeboat.command;
    expect(command[0]).toBe('serve');
    const help = (await run('node', [bin, 'serve', '--help'], { cwd: root })).stdout;
    for (const flag of command.filter((c) => c.startsWith('--')))
      expect(help).toContain(`${flag} `);
    const port = command[command.indexOf('--port') + 1];
    expect(compose.services.lifeboat.ports).toContain(`${port}:${port}`);
    expect(command[command.indexOf('--redis') + 1]).toBe('redis://redis:6379');
    expect(compose.services.redis.command).toContain('--appendonly');
  });

  it('refuses to listen beyond loopback without tokens', async () => {
    const res = await lifeboat(
      [
        'serve',
        '--host',
        '0.0.0.0',
        '--port',
        String(await freePort()),
        '--redis',
        redisUrl(),
        '--no-gitops',
      ],
      { LIFEBOAT_ADMIN_TOKEN: '' },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('without tokens');
    expect(logs).not.toContain(ADMIN);
  });
});

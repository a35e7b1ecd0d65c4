import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import { KubeconfigError, loadClusterKubeConfig } from './kubeconfig.js';

const TOKEN_A = 'token-of-cluster-a-0123456789';
const TOKEN_B = 'token-of-cluster-b-0123456789';

const twoContexts = `apiVersion: v1
kind: Config
clusters:
  - name: a
    cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.pem}
  - name: b
    cluster: {server: "https://127.0.0.1:7443"}
users:
  - name: a-admin
    user: {token: ${TOKEN_A}}
  - name: b-admin
    user: {token: ${TOKEN_B}}
contexts:
  - name: ctx-a
    context: {cluster: a, user: a-admin}
  - name: ctx-b
    context: {cluster: b, user: b-admin, namespace: team}
current-context: ctx-a
`;

let dir: string;
let file: string;
const noSecrets = (): Promise<KubeObject | undefined> => Promise.resolve(undefined);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-kubeconfig-'));
  file = path.join(dir, 'config.yaml');
  await writeFile(file, twoContexts);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<KubeconfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KubeconfigError))
    throw new Error(`expected a KubeconfigError, got ${String(err)}`);
  return err;
}

describe('loadClusterKubeConfig', () => {
  it('keeps exactly the chosen context, its cluster and its user: no other credentials', async () => {
    const kc = await loadClusterKubeConfig(
      { kubeconfig: { path: file, context: 'ctx-b' } },
      noSecrets,
    );
    expect(kc.getContexts().map((c) => c.name)).toStrictEqual(['ctx-b']);
    expect(kc.getClusters().map((c) => c.server)).toStrictEqual(['https://127.0.0.1:7443']);
    expect(kc.getUsers().map((u) => u.token)).toStrictEqual([TOKEN_B]);
    expect(kc.getCurrentContext()).toBe('ctx-b');
  });

  it("uses the file's current-context by default and makes relative paths absolute", async () => {
    const kc = await loadClusterKubeConfig({ kubeconfig: { path: file } }, noSecrets);
    expect(kc.getCurrentCluster().caFile).toBe(path.join(dir, 'ca.pem'));
    expect(kc.getUsers().map((u) => u.token)).toStrictEqual([TOKEN_A]);
  });

  it.each([
    [
      { path: path.join(os.tmpdir(), 'nope', 'config') },
      'KubeconfigNotFound',
      /cannot read kubeconfig file .*nope\/config \(ENOENT\); fix spec\.kubeconfig\.path/,
    ],
    [
      { path: 'FILE', context: 'ctx-c' },
      'ContextNotFound',
      /has no context "ctx-c"; set spec\.kubeconfig\.context to one of: ctx-a, ctx-b/,
    ],
    [
      { secretRef: { namespace: 'lifeboat', name: 'gone' } },
      'SecretNotFound',
      /Secret lifeboat\/gone is not on the control plane/,
    ],
  ] as const)('%j → %s', async (kubeconfig, reason, message) => {
    const ref =
      'path' in kubeconfig && kubeconfig.path === 'FILE'
        ? { ...kubeconfig, path: file }
        : kubeconfig;
    const err = await failure(loadClusterKubeConfig({ kubeconfig: ref }, noSecrets));
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
  });

  it('never quotes a broken kubeconfig (it may hold tokens), only where it broke', async () => {
    const broken = path.join(dir, 'broken.yaml');
    await writeFile(broken, `users:\n  - name: x\n    user: {token: ${TOKEN_A}\n  bad: [\n`);
    const err = await failure(loadClusterKubeConfig({ kubeconfig: { path: broken } }, noSecrets));
    expect(err.reason).toBe('KubeconfigInvalid');
    expect(err.message).toMatch(/is not a valid kubeconfig \(YAML error near line \d+\)/);
    expect(err.message).not.toContain(TOKEN_A);
  });

  it('reads a kubeconfig from a Secret (data base64, default key), or says which keys it has', async () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'm', namespace: 'lifeboat' },
      data: { kubeconfig: Buffer.from(twoContexts).toString('base64') },
    };
    const read = (ns: string, name: string) =>
      Promise.resolve(ns === 'lifeboat' && name === 'm' ? secret : undefined);
    const kc = await loadClusterKubeConfig(
      { kubeconfig: { secretRef: { namespace: 'lifeboat', name: 'm' }, context: 'ctx-b' } },
      read,
    );
    expect(kc.getUsers().map((u) => u.token)).toStrictEqual([TOKEN_B]);
    const err = await failure(
      loadClusterKubeConfig(
        { kubeconfig: { secretRef: { namespace: 'lifeboat', name: 'm', key: 'config' } } },
        read,
      ),
    );
    expect(err.reason).toBe('SecretKeyNotFound');
    expect(err.message).toContain('has no key "config" (it has: kubeconfig)');
  });
});

describe('MemberKubeConfig.credentials', () => {
  const load = async (user: string, cluster = '{server: "https://127.0.0.1:6443"}') => {
    const text = `clusters: [{name: c, cluster: ${cluster}}]
users: [{name: u, user: ${user}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
    const f = path.join(dir, `creds-${Math.random().toString(16).slice(2)}.yaml`);
    await writeFile(f, text);
    return loadClusterKubeConfig({ kubeconfig: { path: f } }, noSecrets);
  };

  it('turns tokens, basic auth, impersonation and TLS settings into headers and agent options', async () => {
    const pem = Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const bearer = await load(
      `{token: ${TOKEN_A}, as: ops}`,
      `{server: "https://127.0.0.1:6443", certificate-authority-data: ${pem.toString('base64')}, insecure-skip-tls-verify: true, tls-server-name: api.example}`,
    );
    expect(bearer.dynamicAuth).toBe(false);
    expect(await bearer.credentials()).toStrictEqual({
      tls: { rejectUnauthorized: false, servername: 'api.example', ca: pem },
      headers: { 'Impersonate-User': 'ops', Authorization: `Bearer ${TOKEN_A}` },
    });
    const basic = await load('{username: admin, password: s3cret}');
    expect((await basic.credentials()).headers).toStrictEqual({
      Authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}`,
    });
  });

  it('runs an exec plugin through client-node, as kubectl would', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { token: 'token-from-the-plugin' },
    });
    const script = path.join(dir, 'plugin.mjs');
    await writeFile(script, `console.log(${JSON.stringify(credential)});\n`);
    const kc = await load(
      `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${process.execPath}, args: [${script}]}}`,
    );
    expect(kc.dynamicAuth).toBe(true);
    expect((await kc.credentials()).headers.Authorization).toBe('Bearer token-from-the-plugin');
  });

  it('names a certificate file it cannot read, without quoting anything else', async () => {
    const kc = await load(
      `{client-certificate: missing.crt, client-key: missing.key, token: ${TOKEN_A}}`,
    );
    const err = await failure(kc.credentials());
    expect(err.reason).toBe('KubeconfigInvalid');
    expect(err.message).toMatch(/credentials cannot be loaded: .*missing\.crt/);
    expect(err.message).not.toContain(TOKEN_A);
  });
});

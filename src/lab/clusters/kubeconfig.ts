import { stringify } from 'yaml';

/** What a kubeconfig for one lab cluster needs. */
export interface KubeconfigInput {
  /** Cluster, user and context name (`cluster-1`). */
  name: string;
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  /** Bearer token listed in the API server's `--token-auth-file`. */
  token: string;
}

/**
 * A self-contained kubeconfig (CA inlined) with a single context, so it can be handed
 * to `KubeConfig.loadFromFile`, kubectl or the control plane's cluster registry alone.
 */
export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.name,
        cluster: {
          server: input.server,
          'certificate-authority-data': Buffer.from(input.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: `${input.name}-admin`, user: { token: input.token } }],
    contexts: [
      {
        name: input.name,
        context: { cluster: input.name, user: `${input.name}-admin`, namespace: 'default' },
      },
    ],
    'current-context': input.name,
    preferences: {},
  });
}

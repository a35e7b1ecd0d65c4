/**
 * Kubernetes-style resource paths, parsed:
 *   /api/v1/{plural}[/{name}]                         core, cluster-scoped (or all namespaces)
 *   /api/v1/namespaces/{ns}/{plural}[/{name}]          core, namespaced
 *   /apis/{group}/{version}/{plural}[/{name}]          cluster-scoped (or all namespaces)
 *   /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}]
 */
export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  /** Trailing segment after the name, e.g. `run` or `status`. */
  subresource?: string;
}

export function parseResourcePath(path: string): ResourcePath | undefined {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else return undefined;
  // `namespaces/{ns}/{plural}...` is namespaced; `namespaces[/{name}]` alone is the Namespace kind.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace, plural, name, subresource, extra] = rest;
    if (extra !== undefined || plural === undefined || namespace === undefined) return undefined;
    return { group, version, namespace, plural, name, subresource };
  }
  const [plural, name, subresource, extra] = rest;
  if (extra !== undefined || plural === undefined) return undefined;
  return { group, version, plural, name, subresource };
}

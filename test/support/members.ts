/** Reading member-cluster objects in tests: undefined for 404, plain JSON otherwise. */
import { ApiException } from '@kubernetes/client-node';
import { objectApi } from './clusters.js';

export async function live(
  cluster: string,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<any> {
  try {
    const obj = await objectApi(cluster).read({
      apiVersion,
      kind,
      metadata: namespace === undefined ? { name } : { name, namespace },
    });
    return JSON.parse(JSON.stringify(obj));
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/** Which of `clusters` hold the object. */
export async function holders(
  clusters: readonly string[],
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<string[]> {
  const found: string[] = [];
  for (const c of clusters) if (await live(c, apiVersion, kind, namespace, name)) found.push(c);
  return found;
}

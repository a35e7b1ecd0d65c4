/**
 * What steps act through, and how they find their object: on the control plane (the
 * hub's desired state in the store, including status synced back from members) or,
 * with `cluster:`, live in one member cluster. Dry runs read for real and write to an
 * overlay, so later steps of the same dry run see earlier patches.
 */
import {
  MemberClusterError,
  type MemberClusters,
  type MemberTarget,
} from '../../clusters/member-clusters.js';
import { LifeboatError } from '../../errors.js';
import { FieldPathError } from '../../resources/field-path.js';
import { splitApiVersion, type KindInfo } from '../../resources/kinds.js';
import type { KubeObject } from '../../resources/meta.js';
import type { KindRegistry } from '../../store/kind-registry.js';
import { storeKeyOf, type ResourceService } from '../../store/resource-service.js';
import type { StoreKey } from '../../store/redis-store.js';
import { renderString, TemplateError, type TemplateContext } from '../template.js';
import { StepError, StoppingError } from '../errors.js';

export interface StepEnv {
  resources: ResourceService;
  kinds: KindRegistry;
  members?: MemberClusters;
  dryRun: boolean;
  /** Dry runs: objects as earlier steps would have left them, by target id. */
  overlay: Map<string, KubeObject | undefined>;
  /** Aborted when the engine stops: long waits give up and the job is retried later. */
  signal: AbortSignal;
  /** Member calls that fail transiently are retried this many times within the step. */
  memberAttempts: number;
  memberRetryDelayMs: number;
}

/** What a step did, for the record (the runner redacts it) and for later steps. */
export interface StepOutcome {
  action: Record<string, unknown>;
  /** The patched field is a secret: the record shows neither the value nor before/after. */
  secret?: boolean;
  /** A readField result (key set) or an observed value shown on the step (key unset). */
  output?: { key?: string; value: unknown; secret: boolean };
  before?: unknown;
  after?: unknown;
}

/** The fields every step shares (`apiVersion`, `resource`, `namespace`, `name`, `cluster`). */
export interface StepTarget {
  apiVersion: string;
  resource: string;
  namespace?: string;
  name: string;
  cluster?: string;
}

export type ResolvedTarget =
  | {
      where: 'hub';
      id: string;
      describe: string;
      target: MemberTarget;
      info: KindInfo;
      key: StoreKey;
    }
  | { where: 'member'; id: string; describe: string; target: MemberTarget; cluster: string };

/** Renders `namespace` and `name` (they may be templates) and finds the kind on the hub. */
export async function resolveTarget(
  env: StepEnv,
  t: StepTarget,
  ctx: TemplateContext,
): Promise<ResolvedTarget> {
  const namespace = t.namespace === undefined ? undefined : renderString(t.namespace, ctx);
  const name = renderString(t.name, ctx);
  const target: MemberTarget = {
    apiVersion: t.apiVersion,
    resource: t.resource,
    ...(namespace ? { namespace } : {}),
    name,
  };
  const where = `${t.resource} ${namespace ? `${namespace}/` : ''}${name}`;
  if (t.cluster !== undefined) {
    return {
      where: 'member',
      id: `${t.cluster}|${t.apiVersion}|${where}`,
      describe: `${where} in cluster ${t.cluster}`,
      target,
      cluster: t.cluster,
    };
  }
  const { group, version } = splitApiVersion(t.apiVersion);
  const info = await env.kinds.require(group, t.resource, version);
  const key = storeKeyOf(info, namespace, name);
  const shown = `${t.resource} ${key.namespace ? `${key.namespace}/` : ''}${name}`;
  return {
    where: 'hub',
    id: `hub|${key.kind}|${key.namespace}|${key.name}`,
    describe: `${shown} on the control plane`,
    target,
    info,
    key,
  };
}

function members(env: StepEnv, cluster: string): MemberClusters {
  if (!env.members) {
    throw new StepError(
      `the step names cluster "${cluster}", but this lifeboat has no member-cluster access; register clusters or drop "cluster:" to act on the control plane`,
    );
  }
  return env.members;
}

/** Transient member failures: no answer, 429, 5xx. 4xx answers are the plan's problem. */
function transient(err: unknown): boolean {
  if (err instanceof MemberClusterError)
    return err.code === 0 || err.code === 429 || err.code >= 500;
  return !(err instanceof StepError);
}

export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new StoppingError();
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new StoppingError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls a member cluster, retrying transient failures a few times before failing the step. */
export async function memberCall<T>(
  env: StepEnv,
  cluster: string,
  what: string,
  call: (m: MemberClusters) => Promise<T>,
): Promise<T> {
  const m = members(env, cluster);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(m);
    } catch (err) {
      if (!transient(err) || attempt >= env.memberAttempts) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new StepError(
          `${what} failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${msg}`,
          { cause: err },
        );
      }
      await sleep(env.memberRetryDelayMs * attempt, env.signal);
    }
  }
}

/** Reads the target object: overlay first on dry runs; undefined when it does not exist. */
export async function readObject(env: StepEnv, t: ResolvedTarget): Promise<KubeObject | undefined> {
  if (env.dryRun && env.overlay.has(t.id)) return structuredClone(env.overlay.get(t.id));
  if (t.where === 'hub') return env.resources.store.get(t.key);
  return memberCall(env, t.cluster, `reading ${t.describe}`, (m) => m.get(t.cluster, t.target));
}

/**
 * Errors that mean "this step cannot succeed": the run fails. Anything else (Redis
 * unreachable, a bug) is transient: the job is retried and the step runs again.
 */
export function asStepFailure(err: unknown): StepError | undefined {
  if (err instanceof StepError) return err;
  if (err instanceof TemplateError || err instanceof FieldPathError)
    return new StepError(err.message, { cause: err });
  if (err instanceof LifeboatError && err.code < 500)
    return new StepError(err.message, { cause: err });
  return undefined;
}

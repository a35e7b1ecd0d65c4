/**
 * `patch`: set `override.fieldPath` to `override.value.raw` (rendered). On the control
 * plane the change lands on the desired state, which propagation carries to member
 * clusters (and re-applies to a cluster that comes back: that is the fencing). With
 * `cluster:` the member cluster's API server gets the patch directly.
 */
import { formatCauses, InvalidError, NotFoundError } from '../../errors.js';
import { getAtPath, parseFieldPath } from '../../resources/field-path.js';
import { splitApiVersion } from '../../resources/kinds.js';
import type { KubeObject } from '../../resources/meta.js';
import type { PatchStep, PatchType } from '../../resources/recovery-plan.js';
import { admitObject } from '../../resources/validate.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { StepError } from '../errors.js';
import { applyOverride, firstIndex, isMergeStyle, memberPatchDocument } from '../merge-patch.js';
import { isSecretField } from '../redact.js';
import { renderValue, type TemplateContext } from '../template.js';
import { memberCall, readObject, resolveTarget, type StepEnv, type StepOutcome } from './env.js';

const DEFAULT_PATCH_TYPE: PatchType = 'application/merge-patch+json';

/** The patched object, checked like anything applied through the API. */
function patched(
  current: KubeObject,
  segments: ReturnType<typeof parseFieldPath>,
  value: unknown,
  patchType: PatchType,
  describe: string,
): KubeObject {
  const next = applyOverride(
    structuredClone(current),
    segments,
    value,
    patchType,
  ) as unknown as KubeObject;
  const m = next.metadata as KubeObject['metadata'] | undefined;
  if (
    next.apiVersion !== current.apiVersion ||
    next.kind !== current.kind ||
    m?.name !== current.metadata.name ||
    m.namespace !== current.metadata.namespace
  ) {
    throw new StepError(
      `the patch would change the identity (apiVersion, kind, name or namespace) of ${describe}; patch another field`,
    );
  }
  try {
    admitObject(next);
  } catch (err) {
    if (err instanceof InvalidError)
      throw new StepError(
        `the patched ${describe} would be invalid: ${formatCauses(err.causes) || err.message}`,
      );
    throw err;
  }
  return next;
}

export async function runPatch(
  env: StepEnv,
  step: PatchStep,
  ctx: TemplateContext,
): Promise<StepOutcome> {
  const t = await resolveTarget(env, step, ctx);
  const segments = parseFieldPath(step.override.fieldPath);
  const value = renderValue(step.override.value.raw, ctx);
  const patchType = step.patchType ?? DEFAULT_PATCH_TYPE;
  const secret = isSecretField(step.apiVersion, step.resource, step.override.fieldPath);
  const action = {
    target: { ...t.target, ...(t.where === 'member' ? { cluster: t.cluster } : {}) },
    fieldPath: step.override.fieldPath,
    value,
    patchType,
  };

  if (env.dryRun) {
    const current = await readObject(env, t);
    if (!current) throw new StepError(`${t.describe} not found; the patch would fail`);
    const next =
      t.where === 'hub'
        ? patched(current, segments, value, patchType, t.describe)
        : (applyOverride(
            structuredClone(current),
            segments,
            value,
            patchType,
          ) as unknown as KubeObject);
    env.overlay.set(t.id, next);
    return {
      action,
      secret,
      before: getAtPath(current, segments) ?? null,
      after: getAtPath(next, segments) ?? null,
    };
  }

  if (t.where === 'hub') {
    try {
      await env.resources.update(
        t.key,
        (current) => {
          const next = patched(current, segments, value, patchType, t.describe);
          // Unchanged objects are not rewritten: a resumed step does not bump generation twice.
          return canonicalJson(next) === canonicalJson(current) ? undefined : next;
        },
        { bumpGeneration: true },
      );
    } catch (err) {
      if (err instanceof NotFoundError)
        throw new StepError(
          `${t.describe} not found; apply it first, or check apiVersion/resource/namespace/name`,
        );
      throw err;
    }
    return { action, secret };
  }

  const cluster = t.cluster;
  let doc: unknown;
  if (isMergeStyle(patchType) && firstIndex(segments) >= 0) {
    const live = await readObject(env, t);
    if (!live) throw new StepError(`${t.describe} not found`);
    doc = memberPatchDocument(segments, value, patchType, live);
  } else doc = memberPatchDocument(segments, value, patchType);
  if (patchType === 'application/apply-patch+yaml') {
    const { group } = splitApiVersion(step.apiVersion);
    const info = await env.kinds.resolve(group, step.resource);
    if (!info)
      throw new StepError(
        `server-side apply needs the kind of "${step.resource}"; use application/merge-patch+json, or apply an object of that kind to lifeboat first`,
      );
    doc = {
      apiVersion: step.apiVersion,
      kind: info.kind,
      metadata: {
        name: t.target.name,
        ...(t.target.namespace ? { namespace: t.target.namespace } : {}),
      },
      ...(doc as object),
    };
  }
  await memberCall(env, cluster, `patching ${t.describe}`, (m) =>
    m.patch(cluster, t.target, doc, patchType),
  );
  return { action, secret };
}

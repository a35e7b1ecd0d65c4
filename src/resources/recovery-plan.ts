/**
 * RecoveryPlan (recovery.elotl.co/v1alpha1): the steps to run when an alert matches.
 * Nova's `patch` and `readField` steps load unchanged; `wait`, a per-step `cluster`,
 * `runOnResolved` and `cooldownSeconds` are lifeboat extensions, all optional.
 */
import { z } from 'zod';
import { analyzeTemplate, TemplateError, valuesKeysIn } from '../recovery/template.js';
import { clusterScopedMeta, fieldPath, labelMap, objectName } from './common-schemas.js';

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/** Where a step acts: an object on the control plane, or in one member cluster with `cluster`. */
const target = {
  apiVersion: z.string().min(1, 'must name the apiVersion, e.g. v1 or pgv2.percona.com/v2'),
  resource: z
    .string()
    .min(1)
    .regex(
      /^[a-z0-9.-]+$/,
      'must be the lowercase plural resource name, e.g. perconapgclusters or services',
    ),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
  /** lifeboat extension: act on this member cluster directly instead of the control plane's desired state. */
  cluster: objectName.optional(),
};

const patchStep = z.strictObject({
  ...target,
  override: z.strictObject({
    fieldPath,
    value: z.strictObject({ raw: z.unknown() }),
  }),
  patchType: z
    .enum(PATCH_TYPES, {
      error: (i) => `patchType ${JSON.stringify(i.input)} is not one of ${PATCH_TYPES.join(', ')}`,
    })
    .optional(),
});

const readFieldStep = z.strictObject({
  ...target,
  fieldPath,
  outputKey: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'must be an identifier (letters, digits, _) usable as .Values.<outputKey>',
    ),
});

const waitStep = z
  .strictObject({
    ...target,
    fieldPath,
    /** Done when the field equals this value (compared as JSON). */
    equals: z.unknown().optional(),
    /** Done when the field exists (true) or is absent (false). */
    exists: z.boolean().optional(),
    timeoutSeconds: z.number().positive().max(3600).optional(),
    intervalMilliseconds: z.number().int().min(10).max(60_000).optional(),
  })
  .refine((w) => (w.equals === undefined) !== (w.exists === undefined), {
    message: 'a wait step needs exactly one of equals or exists',
  });

const stepCommon = { name: z.string().min(1).optional() };

export const STEP_TYPES = ['patch', 'readField', 'wait'] as const;

export const recoveryStep = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ ...stepCommon, type: z.literal('patch'), patch: patchStep }),
    z.strictObject({ ...stepCommon, type: z.literal('readField'), readField: readFieldStep }),
    z.strictObject({ ...stepCommon, type: z.literal('wait'), wait: waitStep }),
  ],
  {
    error: (i) =>
      i.input === undefined
        ? 'every step needs a type'
        : `unknown step type; use one of ${STEP_TYPES.join(', ')}`,
  },
);

export const recoveryPlanSpec = z
  .strictObject({
    /** The plan runs when every pair here is among a firing alert's labels. */
    alertLabels: labelMap.optional(),
    steps: z.array(recoveryStep).min(1, 'a plan needs at least one step'),
    /** lifeboat extension: also run when the matching alert resolves (default false). */
    runOnResolved: z.boolean().optional(),
    /** lifeboat extension: after a successful run, matching alerts are suppressed this long (default 300). */
    cooldownSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .superRefine((spec, ctx) => {
    // Templates are checked now so a typo is a 422 at apply time, not a failed run during an outage.
    const produced = new Set<string>();
    spec.steps.forEach((step, i) => {
      const templated: [string[], unknown][] = [];
      const body =
        step.type === 'patch' ? step.patch : step.type === 'readField' ? step.readField : step.wait;
      templated.push([['namespace'], body.namespace], [['name'], body.name]);
      if (step.type === 'patch')
        templated.push([['override', 'value', 'raw'], step.patch.override.value.raw]);
      for (const [path, value] of templated) {
        try {
          for (const key of valuesKeysIn(value)) {
            if (!produced.has(key)) {
              ctx.addIssue({
                code: 'custom',
                path: ['steps', i, step.type, ...path],
                message: `reads .Values.${key}, but no earlier readField step has outputKey "${key}"`,
              });
            }
          }
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, step.type, ...path],
            message: err.message,
          });
        }
      }
      if (step.type === 'readField') produced.add(step.readField.outputKey);
    });
  });

export const recoveryPlan = z.looseObject({
  apiVersion: z.literal('recovery.elotl.co/v1alpha1'),
  kind: z.literal('RecoveryPlan'),
  metadata: clusterScopedMeta,
  spec: recoveryPlanSpec,
});

export type RecoveryPlan = z.infer<typeof recoveryPlan>;
export type RecoveryPlanSpec = z.infer<typeof recoveryPlanSpec>;
export type RecoveryStep = z.infer<typeof recoveryStep>;
export type PatchStep = z.infer<typeof patchStep>;
export type ReadFieldStep = z.infer<typeof readFieldStep>;
export type WaitStep = z.infer<typeof waitStep>;
export type PatchType = (typeof PATCH_TYPES)[number];

/** Re-exported so callers that only validate need not import the template module. */
export { analyzeTemplate };

/** Zod pieces shared by every kind's schema. */
import { z } from 'zod';
import { FieldPathError, parseFieldPath } from './field-path.js';

/** RFC 1123 subdomain, as Kubernetes requires for most object names. */
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const objectName = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(
    NAME_PATTERN,
    'must be lowercase letters, digits, "-" and "." (RFC 1123), starting and ending with a letter or digit',
  );

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export const labelKey = z
  .string()
  .regex(
    LABEL_KEY,
    'is not a valid label key (prefix/name, name ≤ 63 characters of [A-Za-z0-9-_.])',
  );
export const labelValue = z
  .string()
  .regex(LABEL_VALUE, 'is not a valid label value (≤ 63 characters of [A-Za-z0-9-_.], or empty)');
export const labelMap = z.record(labelKey, labelValue);

export const selectorOperator = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist'], {
  error: (issue) =>
    `operator ${JSON.stringify(issue.input)} is not one of In, NotIn, Exists, DoesNotExist`,
});

export const labelSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: selectorOperator,
    values: z.array(labelValue).optional(),
  })
  .superRefine((req, ctx) => {
    const hasValues = (req.values?.length ?? 0) > 0;
    if ((req.operator === 'In' || req.operator === 'NotIn') && !hasValues) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `operator ${req.operator} needs at least one value`,
      });
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && hasValues) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `operator ${req.operator} takes no values; remove them`,
      });
    }
  });

/** A Kubernetes label selector: matchLabels AND every matchExpressions requirement. */
export const labelSelector = z.strictObject({
  matchLabels: labelMap.optional(),
  matchExpressions: z.array(labelSelectorRequirement).optional(),
});
export type LabelSelector = z.infer<typeof labelSelector>;
export type LabelSelectorRequirement = z.infer<typeof labelSelectorRequirement>;

/** A field path string that must parse (`spec.a[0].b`, `metadata.labels['x.y']`). */
export const fieldPath = z.string().superRefine((text, ctx) => {
  try {
    parseFieldPath(text);
  } catch (err) {
    if (err instanceof FieldPathError) ctx.addIssue({ code: 'custom', message: err.message });
    else throw err;
  }
});

/** Object metadata as users write it; server-set fields are accepted and overwritten. */
export const objectMeta = z.looseObject({
  name: objectName,
  namespace: objectName.optional(),
  labels: labelMap.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const clusterScopedMeta = objectMeta.refine((m) => m.namespace === undefined, {
  message: 'this kind is cluster-scoped: remove metadata.namespace',
  path: ['namespace'],
});

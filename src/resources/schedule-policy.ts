/** SchedulePolicy (policy.elotl.co/v1alpha1): where workloads go. Nova's fields, unchanged. */
import { z } from 'zod';
import { clusterScopedMeta, fieldPath, labelSelector } from './common-schemas.js';

const staticOverride = z.strictObject({
  fieldPath,
  value: z.strictObject({ staticValue: z.unknown() }),
});

const resourceOverride = z.strictObject({
  kind: z.string().min(1),
  apiVersion: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
  override: z.array(staticOverride),
});

const spreadConstraints = z
  .strictObject({
    spreadMode: z
      .enum(['Duplicate', 'Divide'], {
        error: (i) => `spreadMode ${JSON.stringify(i.input)} is not Duplicate or Divide`,
      })
      .optional(),
    topologyKey: z.string().min(1).optional(),
    percentageSplit: z
      .array(
        z.strictObject({
          topologyValue: z.string().min(1),
          percentage: z.number().int('must be a whole number').min(0).max(100),
        }),
      )
      .optional(),
    overrides: z
      .array(
        z.strictObject({ topologyValue: z.string().min(1), resources: z.array(resourceOverride) }),
      )
      .optional(),
  })
  .superRefine((sc, ctx) => {
    if (sc.percentageSplit && sc.percentageSplit.length > 0) {
      const sum = sc.percentageSplit.reduce((a, p) => a + p.percentage, 0);
      if (sum !== 100) {
        ctx.addIssue({
          code: 'custom',
          path: ['percentageSplit'],
          message: `percentages add up to ${sum}; they must add up to 100`,
        });
      }
      if (sc.spreadMode !== 'Divide') {
        ctx.addIssue({
          code: 'custom',
          path: ['percentageSplit'],
          message: 'percentageSplit needs spreadMode: Divide',
        });
      }
    }
  });

export const schedulePolicySpec = z
  .strictObject({
    namespaceSelector: labelSelector.optional(),
    resourceSelectors: z
      .strictObject({ labelSelectors: z.array(labelSelector).optional() })
      .optional(),
    groupBy: z.strictObject({ labelKey: z.string().min(1) }).optional(),
    clusterSelector: labelSelector.optional(),
    orderedClusterSelector: labelSelector.optional(),
    spreadConstraints: spreadConstraints.optional(),
    /** lifeboat extension: higher wins when several policies match one object (default 0). */
    priority: z.number().int().optional(),
  })
  .refine((s) => !(s.clusterSelector && s.orderedClusterSelector), {
    message: 'set clusterSelector or orderedClusterSelector, not both',
    path: ['orderedClusterSelector'],
  });

export const schedulePolicy = z.looseObject({
  apiVersion: z.literal('policy.elotl.co/v1alpha1'),
  kind: z.literal('SchedulePolicy'),
  metadata: clusterScopedMeta,
  spec: schedulePolicySpec,
});

export type SchedulePolicy = z.infer<typeof schedulePolicy>;
export type SchedulePolicySpec = z.infer<typeof schedulePolicySpec>;
export type SpreadConstraints = z.infer<typeof spreadConstraints>;

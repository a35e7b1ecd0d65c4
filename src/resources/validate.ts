/**
 * Admission for every object entering lifeboat, from any door (HTTP, /apply, GitOps,
 * `lifeboat validate`): shape, names, forbidden keys, and each of our kinds' schema.
 * Problems come back as causes with a field path; YAML callers add file:line:column.
 */
import type { z } from 'zod';
import { InvalidError, type Cause } from '../errors.js';
import { cluster } from './cluster.js';
import { formatFieldPath, FORBIDDEN_KEYS, type PathSegment } from './field-path.js';
import {
  CLUSTER_GROUP,
  kindInfoFor,
  KNOWN_KINDS,
  POLICY_GROUP,
  RECOVERY_GROUP,
  splitApiVersion,
  type KindInfo,
} from './kinds.js';
import type { KubeObject } from './meta.js';
import { objectMeta } from './common-schemas.js';
import { recoveryPlan } from './recovery-plan.js';
import { schedulePolicy } from './schedule-policy.js';

/** Deepest nesting accepted in a document; real manifests stay far below. */
const MAX_DEPTH = 64;

export interface Admitted {
  object: KubeObject;
  info: KindInfo & { known: boolean };
  /** Problems that do not block: unknown fields, deprecated groups. */
  warnings: Cause[];
}

const schemas: Record<string, z.ZodType> = {
  [`${POLICY_GROUP}/SchedulePolicy`]: schedulePolicy,
  [`${RECOVERY_GROUP}/RecoveryPlan`]: recoveryPlan,
  [`${CLUSTER_GROUP}/Cluster`]: cluster,
};

/** Kinds lifeboat writes itself; users read them but cannot apply them. */
const RECORD_KINDS = new Set([`${RECOVERY_GROUP}/RecoveryRun`, `${RECOVERY_GROUP}/ReceivedAlert`]);

const OUR_GROUP_KINDS = new Map<string, string[]>();
for (const k of KNOWN_KINDS) {
  const list = OUR_GROUP_KINDS.get(k.group) ?? [];
  list.push(k.kind);
  OUR_GROUP_KINDS.set(k.group, list);
}

/** Groups whose kinds we know completely, so a misspelt kind there is an error, not a new CRD. */
const CLOSED_GROUPS = new Set([POLICY_GROUP, RECOVERY_GROUP, CLUSTER_GROUP, 'apps', 'batch']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Finds `__proto__`/`constructor`/`prototype` keys and over-deep nesting anywhere in a value. */
export function findForbiddenKeys(value: unknown): Cause[] {
  const causes: Cause[] = [];
  const walk = (v: unknown, path: PathSegment[]): void => {
    if (path.length > MAX_DEPTH) {
      causes.push({
        field: formatFieldPath(path.slice(0, 8)),
        message: `nesting deeper than ${MAX_DEPTH} levels is not accepted`,
      });
      return;
    }
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (isRecord(v)) {
      for (const key of Object.keys(v)) {
        if (FORBIDDEN_KEYS.has(key)) {
          causes.push({
            field: formatFieldPath([...path, key]),
            message: `the key "${key}" is not allowed; rename it`,
          });
        } else walk(v[key], [...path, key]);
      }
    }
  };
  walk(value, []);
  return causes;
}

function zodCauses(
  error: z.ZodError,
  prefix: PathSegment[] = [],
): { errors: Cause[]; warnings: Cause[] } {
  const errors: Cause[] = [];
  const warnings: Cause[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        warnings.push({
          field: formatFieldPath([...path, key]),
          message: 'unknown field, ignored (check the spelling)',
        });
      }
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      errors.push({ field: formatFieldPath(path), message: issue.message });
    } else {
      const msg =
        issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
      errors.push({ field: formatFieldPath(path), message: msg });
    }
  }
  return { errors, warnings };
}

/**
 * Checks one object and returns it with its kind info, or throws InvalidError (422)
 * listing every problem with its field path.
 */
export function admitObject(input: unknown): Admitted {
  const fail = (causes: Cause[]): never => {
    throw new InvalidError(
      causes.length === 1 && causes[0]
        ? `${causes[0].field ? `${causes[0].field}: ` : ''}${causes[0].message}`
        : `${causes.length} problems; see causes`,
      causes,
    );
  };
  if (!isRecord(input)) {
    return fail([
      {
        field: '',
        message: 'each object must be a mapping with apiVersion, kind and metadata.name',
      },
    ]);
  }
  const forbidden = findForbiddenKeys(input);
  if (forbidden.length > 0) fail(forbidden);

  const causes: Cause[] = [];
  const { apiVersion, kind } = input;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    causes.push({ field: 'apiVersion', message: 'is required, e.g. apiVersion: apps/v1' });
  } else if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    causes.push({
      field: 'apiVersion',
      message: `"${apiVersion}" is not a group/version like apps/v1 or v1`,
    });
  }
  if (typeof kind !== 'string' || kind === '')
    causes.push({ field: 'kind', message: 'is required, e.g. kind: Deployment' });
  else if (!/^[A-Z][A-Za-z0-9]*$/.test(kind))
    causes.push({
      field: 'kind',
      message: `"${kind}" is not a kind name (CamelCase, like ConfigMap)`,
    });
  const meta = input.metadata;
  if (!isRecord(meta))
    causes.push({ field: 'metadata', message: 'is required, with at least metadata.name' });
  else if (meta.name === undefined) causes.push({ field: 'metadata.name', message: 'is required' });
  if (causes.length > 0) fail(causes);

  const info = kindInfoFor(apiVersion as string, kind as string);
  const gk = `${info.group}/${info.kind}`;
  const groupKinds = OUR_GROUP_KINDS.get(info.group);
  if (!info.known && groupKinds && CLOSED_GROUPS.has(info.group)) {
    fail([
      {
        field: 'kind',
        message: `unknown kind "${info.kind}" in ${info.group}; known kinds there: ${groupKinds.join(', ')}`,
      },
    ]);
  }
  if (RECORD_KINDS.has(gk)) {
    fail([
      {
        field: 'kind',
        message: `${info.kind} objects are records lifeboat writes; they cannot be applied`,
      },
    ]);
  }
  const warnings: Cause[] = [];
  const schema = schemas[gk];
  if (schema) {
    const known = KNOWN_KINDS.find((k) => `${k.group}/${k.kind}` === gk);
    if (known && known.version !== info.version) {
      fail([
        {
          field: 'apiVersion',
          message: `${info.kind} is served as ${splitApiVersion(apiVersion as string).group}/${known.version}`,
        },
      ]);
    }
    // reportInput: so zodCauses can tell a wrong type from a missing field.
    const result = schema.safeParse(input, { reportInput: true });
    if (!result.success) {
      const split = zodCauses(result.error);
      if (split.errors.length > 0) fail(split.errors);
      warnings.push(...split.warnings);
    }
  } else {
    const result = objectMeta.safeParse(meta, { reportInput: true });
    if (!result.success) fail(zodCauses(result.error, ['metadata']).errors);
    if (
      info.known &&
      !info.namespaced &&
      (meta as Record<string, unknown>).namespace !== undefined
    ) {
      fail([
        {
          field: 'metadata.namespace',
          message: `${info.kind} is cluster-scoped: remove metadata.namespace`,
        },
      ]);
    }
  }
  return { object: input as unknown as KubeObject, info, warnings };
}

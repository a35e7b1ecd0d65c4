/**
 * What a member cluster receives for one placed copy: the scheduler's manifest without
 * the hub's server-owned fields, with the managed-by label, serialized once as JSON
 * (sent byte for byte, and hashed to skip applies that would change nothing).
 */
import { createHash } from 'node:crypto';
import type { ObjectAddress } from '../clusters/client.js';
import { FIELD_MANAGER } from '../clusters/client.js';
import { kindKey, splitApiVersion } from '../resources/kinds.js';
import { ANNOTATIONS, LABELS, MANAGED_BY_VALUE, type KubeObject } from '../resources/meta.js';
import { renderCopy } from '../scheduling/overrides.js';
import type { StoreKey } from '../store/redis-store.js';

/** Metadata the hub's API server sets (or that names hub objects) and members must not get. */
const HUB_METADATA = new Set<string>([
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  // Owner uids are hub uids: meaningless (and garbage-collected) in a member.
  'ownerReferences',
]);

/** Annotations that describe the hub copy, not the object. */
const HUB_ANNOTATIONS = new Set<string>([
  ANNOTATIONS.gitopsSource,
  'kubectl.kubernetes.io/last-applied-configuration',
]);

function without<T>(record: Record<string, T>, drop: ReadonlySet<string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(record)) if (!drop.has(k)) out[k] = v;
  return out;
}

/** One object's identity across hub and members: `kindKey|namespace|name` (the hub store key). */
export function objectId(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${kindKey(splitApiVersion(obj.apiVersion).group, obj.kind)}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`;
}

/** The hub store key of an object id. */
export function storeKeyOfId(id: string): StoreKey {
  const [kind = '', namespace = '', ...rest] = id.split('|');
  return { kind, namespace, name: rest.join('|') };
}

/** The manifest a member cluster gets: a copy without hub fields, labelled as lifeboat's. */
export function memberManifest(manifest: KubeObject): KubeObject {
  const { status: _status, ...rest } = manifest;
  const metadata = without(manifest.metadata, HUB_METADATA) as KubeObject['metadata'];
  if (metadata.annotations) {
    const annotations = without(metadata.annotations, HUB_ANNOTATIONS);
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
  }
  metadata.labels = { ...metadata.labels, [LABELS.managedBy]: MANAGED_BY_VALUE };
  return { ...rest, metadata };
}

/** A short content hash (not for security: for change detection). */
export function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 20);
}

/** The JSON a member receives for `manifest` (a scheduler manifest, not changed). */
function memberBody(manifest: KubeObject): string {
  return JSON.stringify(memberManifest(manifest));
}

/**
 * One copy, ready to send: its address, the hash of its JSON body, and the body.
 *
 * The body is the largest thing propagation keeps per object, and once every cluster it
 * was made for has applied it, it is only needed again for a drift repair or a cluster
 * coming back. So a copy that can be rendered again from its hub object (no overrides)
 * drops the body then, and {@link body} renders it again on demand: the same bytes,
 * since a changed hub object gets a new copy. Copies shaped by overrides keep theirs.
 */
export class DesiredCopy {
  #body: string | undefined;
  /** Hub object and replicas to render from again; absent for copies shaped by overrides. */
  #source: KubeObject | undefined;
  #replicas: number | undefined;
  /** Clusters that have not applied this body yet. */
  #unapplied = 0;

  private constructor(
    readonly id: string,
    readonly addr: ObjectAddress,
    readonly hash: string,
    body: string,
  ) {
    this.#body = body;
  }

  /** A copy of an already rendered manifest (overrides applied); keeps its body. */
  static ofManifest(id: string, manifest: KubeObject): DesiredCopy {
    const body = memberBody(manifest);
    return new DesiredCopy(id, addressOf(manifest), shortHash(body), body);
  }

  /**
   * The plain copy of hub object `source` (with `spec.replicas` set when given). No deep
   * clone: `memberManifest` builds new metadata and shares the rest, which it never changes.
   */
  static ofSource(id: string, source: KubeObject, replicas: number | undefined): DesiredCopy {
    const body = renderPlain(source, replicas);
    const copy = new DesiredCopy(id, addressOf(source), shortHash(body), body);
    copy.#source = source;
    copy.#replicas = replicas;
    return copy;
  }

  /** The JSON to send, byte for byte what was hashed. */
  body(): string {
    return this.#body ?? renderPlain(this.#source as KubeObject, this.#replicas);
  }

  /** One more cluster is to apply this copy. */
  claim(): void {
    this.#unapplied++;
  }

  /** A cluster applied it; when none is left, a re-renderable body is dropped. */
  applied(): void {
    if (--this.#unapplied <= 0 && this.#source !== undefined) this.#body = undefined;
  }

  /** Whether the body is held right now (for tests and the bench). */
  get holdsBody(): boolean {
    return this.#body !== undefined;
  }
}

function addressOf(m: KubeObject): ObjectAddress {
  const addr: ObjectAddress = { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name };
  if (m.metadata.namespace) addr.namespace = m.metadata.namespace;
  return addr;
}

function renderPlain(source: KubeObject, replicas: number | undefined): string {
  return memberBody(
    replicas === undefined ? source : renderCopy(source, { replicas, overrides: [] }),
  );
}

/**
 * Builds the desired copy from a scheduler manifest (which it does not change). Plain
 * JSON.stringify: a hub object keeps its key order until its content changes (the store
 * does not rewrite unchanged objects), and sorting every level of 30,000 copies costs
 * more than the rare extra apply a reordering would cause.
 */
export function desiredCopy(id: string, manifest: KubeObject): DesiredCopy {
  return DesiredCopy.ofManifest(id, manifest);
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/**
 * Hash of the fields lifeboat's apply owns in a live object ('' when it owns none).
 * Anyone else changing or removing one of those fields takes it over, so a different
 * hash than right after our apply means drift by hand.
 */
export function ownedFieldsHash(live: KubeObject): string {
  const entries = live.metadata.managedFields as ManagedFieldsEntry[] | undefined;
  const ours = entries?.find(
    (m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && !m.subresource,
  );
  // The API server writes fieldsV1 with sorted keys, so its JSON is already canonical.
  return ours?.fieldsV1 === undefined ? '' : shortHash(JSON.stringify(ours.fieldsV1));
}

/** True when the live object carries lifeboat's managed-by label. */
export function isManaged(live: KubeObject): boolean {
  return live.metadata.labels?.[LABELS.managedBy] === MANAGED_BY_VALUE;
}

/** The label selector of every object lifeboat manages. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY_VALUE}`;

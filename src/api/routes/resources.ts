/** GET/POST/PUT/DELETE on Kubernetes-style resource paths, for every kind. */
import { Router, type Request } from 'express';
import { BadRequestError, InvalidError } from '../../errors.js';
import { parseLabelSelector } from '../../resources/label-selector-string.js';
import { apiVersionOf, type KindInfo } from '../../resources/kinds.js';
import type { KubeObject } from '../../resources/meta.js';
import { matchesSelector } from '../../scheduling/label-selector.js';
import type { KindRegistry } from '../../store/kind-registry.js';
import type { ResourceService } from '../../store/resource-service.js';
import { requireRole } from '../auth.js';
import { manifestsFromBody, rawBody } from '../body.js';
import { principal } from '../context.js';
import { send } from '../respond.js';
import { parseResourcePath, type ResourcePath } from '../resource-path.js';

export interface ResourceRouteDeps {
  resources: ResourceService;
  kinds: KindRegistry;
}

function dryRun(req: Request): boolean {
  const v = req.query.dryRun;
  return v === 'true' || v === 'All' || v === '1';
}

/** The single object in a POST/PUT body, checked against the path it was sent to. */
function bodyObject(req: Request, path: ResourcePath, info: KindInfo) {
  const set = manifestsFromBody(req);
  const [m, extra] = set.manifests;
  if (!m || extra)
    throw new BadRequestError('send exactly one object here; use POST /apply for several');
  if (m.info.group !== info.group || m.info.kind !== info.kind) {
    throw new InvalidError(
      `the body is a ${m.object.kind} (${m.object.apiVersion}) but the path is for ${info.kind}`,
      [{ field: 'kind', message: `must be ${info.kind} for this path` }],
    );
  }
  if (path.namespace !== undefined) {
    if (
      m.object.metadata.namespace !== undefined &&
      m.object.metadata.namespace !== path.namespace
    ) {
      throw new InvalidError(
        `metadata.namespace "${m.object.metadata.namespace}" does not match the path's namespace "${path.namespace}"`,
        [{ field: 'metadata.namespace', message: `must be ${path.namespace} or absent` }],
      );
    }
    m.object.metadata.namespace = path.namespace;
  }
  if (path.name !== undefined && m.object.metadata.name !== path.name) {
    throw new InvalidError(
      `metadata.name "${m.object.metadata.name}" does not match the path's name "${path.name}"`,
      [{ field: 'metadata.name', message: `must be ${path.name}` }],
    );
  }
  return { manifest: m, warnings: set.warnings };
}

function listOf(info: KindInfo, items: KubeObject[], resourceVersion: string) {
  return {
    apiVersion: apiVersionOf(info),
    kind: `${info.kind}List`,
    metadata: { resourceVersion },
    items,
  };
}

export function resourceRoutes(deps: ResourceRouteDeps): Router {
  const router = Router();

  const resolve = async (req: Request): Promise<{ path: ResourcePath; info: KindInfo }> => {
    const path = parseResourcePath(req.path);
    if (!path)
      throw new BadRequestError(
        `"${req.path}" is not a resource path; see the README's API section`,
      );
    if (path.subresource !== undefined)
      throw new BadRequestError(
        `subresource "${path.subresource}" is not supported on ${path.plural}`,
      );
    const info = await deps.kinds.require(path.group, path.plural, path.version);
    if (path.namespace !== undefined && !info.namespaced) {
      throw new BadRequestError(
        `${info.kind} is cluster-scoped: drop /namespaces/${path.namespace} from the path`,
      );
    }
    return { path, info };
  };

  router.get(/^\/apis?\/.+/, async (req, res) => {
    requireRole(principal(req), 'viewer', 'reading');
    const { path, info } = await resolve(req);
    if (path.name !== undefined) {
      send(req, res, 200, await deps.resources.get(info, path.namespace, path.name));
      return;
    }
    const { items, resourceVersion } = await deps.resources.list(info, path.namespace);
    const selectorText = typeof req.query.labelSelector === 'string' ? req.query.labelSelector : '';
    const selector = selectorText ? parseLabelSelector(selectorText) : undefined;
    const filtered = selector
      ? items.filter((o) => matchesSelector(selector, o.metadata.labels))
      : items;
    send(req, res, 200, listOf(info, filtered, resourceVersion));
  });

  router.post(/^\/apis?\/.+/, rawBody, async (req, res) => {
    requireRole(principal(req), 'admin', 'creating objects');
    const { path, info } = await resolve(req);
    if (path.name !== undefined)
      throw new BadRequestError(
        'POST goes to the collection path (without a name); use PUT to replace',
      );
    const { manifest } = bodyObject(req, path, info);
    send(req, res, 201, await deps.resources.create(manifest, { dryRun: dryRun(req) }));
  });

  router.put(/^\/apis?\/.+/, rawBody, async (req, res) => {
    requireRole(principal(req), 'admin', 'replacing objects');
    const { path, info } = await resolve(req);
    if (path.name === undefined)
      throw new BadRequestError('PUT needs the object path, ending in its name');
    const { manifest } = bodyObject(req, path, info);
    send(req, res, 200, await deps.resources.replace(manifest, { dryRun: dryRun(req) }));
  });

  router.delete(/^\/apis?\/.+/, async (req, res) => {
    requireRole(principal(req), 'admin', 'deleting objects');
    const { path, info } = await resolve(req);
    if (path.name === undefined)
      throw new BadRequestError('DELETE needs the object path, ending in its name');
    const rv =
      typeof req.query.resourceVersion === 'string' ? req.query.resourceVersion : undefined;
    await deps.resources.delete(info, path.namespace, path.name, rv);
    send(req, res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Success',
      code: 200,
      details: { name: path.name, kind: info.plural },
    });
  });

  return router;
}

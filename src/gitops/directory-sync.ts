/**
 * GitOps folders (`policies/`, `recovery-plans/`, ...): every YAML file is loaded at
 * start and on change, applied, and objects whose file no longer declares them are
 * pruned. Only objects that carry our source annotation are ever pruned, so objects
 * created through the API are never touched. A broken file is reported with
 * file:line and its last good version stays in force.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson } from '../util/canonical-json.js';
import type { Logger } from 'pino';
import { BadRequestError, LifeboatError, type Cause } from '../errors.js';
import { manifestsFromJson, manifestsFromYaml, type Manifest } from '../resources/manifests.js';
import { ANNOTATIONS, type KubeObject } from '../resources/meta.js';
import type { Metrics } from '../observability/metrics.js';
import type { StoreKey } from '../store/redis-store.js';
import { storeKeyOf, type ResourceService } from '../store/resource-service.js';
import { manifestFiles } from './scan.js';

/** Largest manifest file read (the same limit as an HTTP body). */
const MAX_FILE_BYTES = 1024 * 1024;

export interface FileStatus {
  file: string;
  ok: boolean;
  objects: number;
  errors: Cause[];
  warnings: Cause[];
  /** When the version now in force was loaded. */
  loadedAt?: string;
}

export interface GitopsStatus {
  dirs: { dir: string; exists: boolean }[];
  lastSync?: string;
  files: FileStatus[];
  pruned: number;
}

interface FileState {
  /** The last version that loaded cleanly; stays in force while the file is broken. */
  good?: Manifest[];
  status: FileStatus;
}

/** Identifies what a file declares for one object, so an unchanged declaration is not re-applied. */
function contentHash(obj: KubeObject): string {
  return createHash('sha256').update(canonicalJson(obj)).digest('hex').slice(0, 16);
}

function keyOf(m: Manifest): StoreKey {
  return storeKeyOf(m.info, m.object.metadata.namespace, m.object.metadata.name);
}

function identity(k: StoreKey): string {
  return `${k.kind}|${k.namespace}|${k.name}`;
}

export class DirectorySync {
  private readonly files = new Map<string, FileState>();
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private dirty = false;
  private state: GitopsStatus = { dirs: [], files: [], pruned: 0 };
  /** Objects this sync applied last time, by identity, with the source file. */
  private applied = new Map<string, { key: StoreKey; source: string }>();

  constructor(
    private readonly deps: { resources: ResourceService; logger: Logger; metrics?: Metrics },
    readonly dirs: readonly string[],
    private readonly options: { debounceMs?: number; resyncMs?: number } = {},
  ) {}

  /** Loads everything once, then follows changes. */
  async start(): Promise<void> {
    await this.syncNow();
    for (const dir of this.dirs) {
      try {
        const w = watch(dir, { recursive: true }, () => this.schedule());
        w.on('error', (err) =>
          this.deps.logger.warn({ err, dir }, 'gitops watch failed; periodic resync continues'),
        );
        this.watchers.push(w);
      } catch (err) {
        this.deps.logger.warn(
          { err, dir },
          'gitops folder cannot be watched; periodic resync continues',
        );
      }
    }
    this.resync = setInterval(() => this.schedule(), this.options.resyncMs ?? 30_000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
    if (this.resync) clearInterval(this.resync);
    await this.running;
  }

  status(): GitopsStatus {
    return structuredClone(this.state);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.syncNow().catch((err: unknown) => this.deps.logger.error({ err }, 'gitops sync failed'));
    }, this.options.debounceMs ?? 150);
  }

  /** One full pass; passes never overlap (a change during a pass triggers one more). */
  syncNow(): Promise<void> {
    if (this.dirty) return this.running;
    this.dirty = true;
    this.running = this.running.then(async () => {
      this.dirty = false;
      await this.pass();
    });
    return this.running;
  }

  private async readFileManifests(
    file: string,
  ): Promise<{ manifests: Manifest[]; errors: Cause[]; warnings: Cause[] }> {
    const label = path.relative(process.cwd(), file) || file;
    try {
      const info = await stat(file);
      if (info.size > MAX_FILE_BYTES) {
        return {
          manifests: [],
          warnings: [],
          errors: [
            {
              field: '',
              file: label,
              message: `the file is larger than ${MAX_FILE_BYTES} bytes; split it`,
            },
          ],
        };
      }
      const text = await readFile(file, 'utf8');
      const set = /\.json$/i.test(file)
        ? manifestsFromJson(text, label)
        : manifestsFromYaml(text, label);
      return set;
    } catch (err) {
      if (err instanceof BadRequestError) {
        const causes =
          err.causes.length > 0 ? err.causes : [{ field: '', message: err.message, file: label }];
        return { manifests: [], warnings: [], errors: causes };
      }
      return {
        manifests: [],
        warnings: [],
        errors: [
          { field: '', file: label, message: err instanceof Error ? err.message : String(err) },
        ],
      };
    }
  }

  private async pass(): Promise<void> {
    const now = new Date().toISOString();
    const dirs: GitopsStatus['dirs'] = [];
    const seen = new Set<string>();
    for (const dir of this.dirs) {
      let files: string[] = [];
      try {
        files = await manifestFiles(dir);
        dirs.push({ dir, exists: true });
      } catch {
        dirs.push({ dir, exists: false });
      }
      for (const file of files) {
        seen.add(file);
        const loaded = await this.readFileManifests(file);
        const prev = this.files.get(file);
        const label = path.relative(process.cwd(), file) || file;
        if (loaded.errors.length > 0) {
          this.files.set(file, {
            good: prev?.good,
            status: {
              file: label,
              ok: false,
              objects: prev?.good?.length ?? 0,
              errors: loaded.errors,
              warnings: loaded.warnings,
              loadedAt: prev?.status.loadedAt,
            },
          });
          if (!prev || prev.status.ok)
            this.deps.logger.warn(
              { file: label, errors: loaded.errors },
              'gitops file is broken; its last good version stays in force',
            );
        } else {
          const changed =
            !prev?.good ||
            JSON.stringify(prev.good.map((m) => m.object)) !==
              JSON.stringify(loaded.manifests.map((m) => m.object));
          this.files.set(file, {
            good: loaded.manifests,
            status: {
              file: label,
              ok: true,
              objects: loaded.manifests.length,
              errors: [],
              warnings: loaded.warnings,
              loadedAt: changed ? now : (prev.status.loadedAt ?? now),
            },
          });
        }
      }
    }
    for (const file of [...this.files.keys()]) if (!seen.has(file)) this.files.delete(file);

    // Desired state: every file's objects in force, each object declared once.
    const desired = new Map<string, { key: StoreKey; source: string }>();
    for (const st of this.files.values()) {
      const source = st.status.file;
      const kept: Manifest[] = [];
      for (const m of st.good ?? []) {
        const key = keyOf(m);
        const id = identity(key);
        const other = desired.get(id);
        if (other) {
          st.status.ok = false;
          st.status.errors.push({
            field: 'metadata.name',
            file: source,
            line: m.source.line,
            message: `${m.object.kind} "${m.object.metadata.name}" is already declared in ${other.source}; declare it once`,
          });
          continue;
        }
        const obj = structuredClone(m.object);
        obj.metadata.annotations = {
          ...obj.metadata.annotations,
          [ANNOTATIONS.gitopsSource]: source,
          [ANNOTATIONS.gitopsHash]: contentHash(m.object),
        };
        const annotated = { ...m, object: obj };
        desired.set(id, { key, source });
        kept.push(annotated);
      }
      // Apply only what the file changed since it was last applied. An object the file
      // still declares unchanged is left alone even if lifeboat changed it since (a
      // recovery run demoting a database): a resync must never undo a failover.
      const currents = await this.deps.resources.store.getMany(kept.map((m) => keyOf(m)));
      const changed = kept.filter(
        (m, i) =>
          currents[i]?.metadata.annotations?.[ANNOTATIONS.gitopsHash] !==
          m.object.metadata.annotations?.[ANNOTATIONS.gitopsHash],
      );
      if (changed.length > 0) {
        try {
          const results = await this.deps.resources.apply(changed);
          for (const r of results) this.deps.metrics?.objectsApplied.inc({ action: r.action });
        } catch (err) {
          st.status.ok = false;
          const message = err instanceof LifeboatError ? err.message : String(err);
          st.status.errors.push({
            field: '',
            file: source,
            message: `could not be applied: ${message}`,
          });
          // Its objects were not written; keep what the store has and do not prune them.
          this.deps.logger.warn({ err, file: source }, 'gitops apply failed');
        }
      }
    }

    // Prune what we applied before and no file declares now, if it is still ours.
    let pruned = 0;
    for (const [id, prev] of this.applied) {
      if (desired.has(id)) continue;
      const store = this.deps.resources.store;
      const current = await store.get(prev.key);
      // Someone re-created it through the API meanwhile: not ours any more.
      if (current?.metadata.annotations?.[ANNOTATIONS.gitopsSource] === undefined) continue;
      try {
        await store.delete(prev.key, { type: 'rv', rv: current.metadata.resourceVersion ?? '' });
        pruned++;
      } catch (err) {
        this.deps.logger.warn({ err, object: id }, 'gitops prune failed; will retry');
        desired.set(id, prev);
      }
    }
    this.applied = desired;

    const files = [...this.files.values()]
      .map((f) => f.status)
      .sort((a, b) => a.file.localeCompare(b.file));
    this.deps.metrics?.gitopsErrors.set(files.filter((f) => !f.ok).length);
    this.state = { dirs, lastSync: now, files, pruned: this.state.pruned + pruned };
  }

  /**
   * Adopts objects a previous process applied from these folders, so that a file
   * deleted while lifeboat was down is still pruned at this start. Call before start().
   */
  async adopt(): Promise<void> {
    const labels = this.dirs.map((d) => path.relative(process.cwd(), path.resolve(d)) || d);
    const store = this.deps.resources.store;
    for (const kind of await store.storedKinds()) {
      const { items } = await store.list(kind);
      for (const obj of items) {
        const source = obj.metadata.annotations?.[ANNOTATIONS.gitopsSource];
        if (!source || !labels.some((l) => source.startsWith(`${l}/`))) continue;
        const key = { kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
        this.applied.set(identity(key), { key, source });
      }
    }
  }
}

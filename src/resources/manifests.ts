/**
 * Manifests from text: YAML (multi-document) or JSON (an object, a list, or a
 * `kind: List`), each object admitted and every problem placed at file:line:column.
 */
import { BadRequestError, InvalidError, type Cause } from '../errors.js';
import { parseFieldPath, type PathSegment } from './field-path.js';
import { admitObject, type Admitted } from './validate.js';
import { parseYamlDocuments, type Position } from './yaml-documents.js';

export interface Manifest extends Admitted {
  source: { file?: string; index: number; line?: number; column?: number };
}

export interface ManifestSet {
  manifests: Manifest[];
  /** Every problem found, each placed where it is. Empty when all objects are valid. */
  errors: Cause[];
  warnings: Cause[];
}

function pathOf(field: string): PathSegment[] {
  if (field === '') return [];
  try {
    return parseFieldPath(field);
  } catch {
    return [];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Expands `kind: List` and top-level arrays into their items, remembering the prefix path of each. */
function expand(value: unknown): { value: unknown; prefix: PathSegment[] }[] {
  if (Array.isArray(value)) return (value as unknown[]).map((v, i) => ({ value: v, prefix: [i] }));
  if (
    isRecord(value) &&
    typeof value.kind === 'string' &&
    value.kind.endsWith('List') &&
    Array.isArray(value.items)
  ) {
    const items: unknown[] = value.items;
    return items.map((v, i) => ({ value: v, prefix: ['items', i] }));
  }
  return [{ value, prefix: [] }];
}

function admitAll(
  entries: {
    value: unknown;
    prefix: PathSegment[];
    index: number;
    locate?: (p: PathSegment[]) => Position;
  }[],
  file: string | undefined,
): ManifestSet {
  const out: ManifestSet = { manifests: [], errors: [], warnings: [] };
  const place = (c: Cause, e: (typeof entries)[number]): Cause => {
    const pos = e.locate?.([...e.prefix, ...pathOf(c.field)]);
    return { ...c, file, line: pos?.line, column: pos?.column };
  };
  for (const e of entries) {
    try {
      const admitted = admitObject(e.value);
      const pos = e.locate?.(e.prefix);
      out.manifests.push({
        ...admitted,
        source: { file, index: e.index, line: pos?.line, column: pos?.column },
      });
      out.warnings.push(...admitted.warnings.map((w) => place(w, e)));
    } catch (err) {
      if (!(err instanceof InvalidError)) throw err;
      out.errors.push(...err.causes.map((c) => place(c, e)));
    }
  }
  return out;
}

/** Loads YAML text (any number of documents). Syntax errors throw BadRequestError. */
export function manifestsFromYaml(text: string, file?: string): ManifestSet {
  const docs = parseYamlDocuments(text, file);
  const entries = docs.flatMap((d) =>
    expand(d.value).map((x) => ({
      ...x,
      index: d.index,
      locate: (p: PathSegment[]) => d.locate(p),
    })),
  );
  return admitAll(entries, file);
}

/** Loads JSON text: an object, an array of objects, or a List. */
export function manifestsFromJson(text: string, file?: string): ManifestSet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(
      `${file ?? 'the body'} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return admitAll(
    expand(value).map((x, index) => ({ ...x, index })),
    file,
  );
}

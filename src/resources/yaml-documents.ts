/**
 * Multi-document YAML with source positions. We parse with the `yaml` package (not
 * js-yaml) because it keeps every node's offset, so a schema error can name
 * file:line:column, and it caps alias expansion, which stops "billion laughs"
 * documents before they allocate anything (ADR 0002).
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import { BadRequestError, type Cause } from '../errors.js';
import type { PathSegment } from './field-path.js';

/** Most aliases one document may expand; far above what real manifests use. */
export const MAX_ALIASES = 100;
/** Most documents one input may hold. */
export const MAX_DOCUMENTS = 10_000;

export interface Position {
  line: number;
  column: number;
}

export interface SourceDocument {
  /** The document's value as plain JSON-compatible data. */
  value: unknown;
  /** 0-based index of the document in its stream. */
  index: number;
  /** Where the document starts. */
  start: Position;
  /** The position of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PathSegment[]): Position;
}

/**
 * Parses every document in `text`. Syntax errors, alias bombs and duplicate keys throw
 * BadRequestError with each problem's line and column. Empty documents are skipped.
 */
export function parseYamlDocuments(text: string, file?: string): SourceDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    // An empty stream parses to an EmptyStream, which is fine: no documents.
    return [];
  }
  if (list.length > MAX_DOCUMENTS) {
    throw new BadRequestError(
      `${file ?? 'input'} holds ${list.length} documents; the limit is ${MAX_DOCUMENTS}`,
    );
  }
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const causes: Cause[] = [];
  for (const doc of list) {
    for (const e of doc.errors) {
      const p = pos(e.pos[0]);
      causes.push({
        field: '',
        message: firstLine(e.message),
        file,
        line: p.line,
        column: p.column,
      });
    }
  }
  if (causes.length > 0) {
    throw new BadRequestError(
      `${file ?? 'the YAML'} does not parse: fix the syntax at the line shown`,
      causes,
    );
  }
  const out: SourceDocument[] = [];
  list.forEach((doc, index) => {
    if (doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      const p = pos(doc.contents.range[0]);
      throw new BadRequestError(
        `${file ?? 'the YAML'} is rejected: ${err instanceof Error ? err.message : String(err)}`,
        [
          {
            field: '',
            message: `aliases expand past the limit of ${MAX_ALIASES}`,
            file,
            line: p.line,
            column: p.column,
          },
        ],
      );
    }
    if (value === null || value === undefined) return;
    out.push({
      value,
      index,
      start: pos(doc.contents.range[0]),
      locate: (path) => pos(offsetOf(doc, path)),
    });
  });
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Offset of the node at `path` (the key, for a map entry), or of the deepest ancestor that exists. */
function offsetOf(doc: Document, path: readonly PathSegment[]): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const seg of path) {
    if (node === null) break;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const key = pair.key as Node;
      offset = key.range?.[0] ?? offset;
      node = (pair.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

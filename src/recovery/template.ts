/**
 * Templates in recovery steps. Nova writes Go templates (`{{ .Values.Cluster2IP }}`);
 * plain handlebars (`{{ Values.Cluster2IP }}`) works too. Rendering never HTML-escapes
 * (a haproxy.cfg must come out as written), fails on a missing value naming the key,
 * and cannot reach prototypes. Templates are compiled when a plan is applied, so a
 * syntax error is a 422 then, not a failed run at 3 a.m.
 */
import Handlebars from 'handlebars';

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** What a template may read: outputs of earlier steps and the triggering alert. */
export interface TemplateContext {
  Values: Record<string, unknown>;
  Alert?: { labels: Record<string, string>; annotations: Record<string, string> };
}

const ROOTS = new Set(['Values', 'Alert']);
const HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup']);

// An isolated environment: no helpers registered by anyone else leak in.
const hbs = Handlebars.create();

/** Rewrites Go-template field references (`{{ .Values.X }}`) to handlebars paths. */
export function toHandlebars(source: string): string {
  return source.replace(/\{\{[\s\S]*?\}\}/g, (mustache) =>
    mustache.replace(/(\{\{[~#/^]?\s*|[\s(])\.(?=[A-Za-z_])/g, '$1'),
  );
}

export function hasTemplate(source: string): boolean {
  return source.includes('{{');
}

interface AstNode {
  type: string;
  [key: string]: unknown;
}

function collectPaths(node: unknown, out: string[][]): void {
  if (Array.isArray(node)) {
    for (const n of node) collectPaths(n, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as AstNode;
  // A mustache or block with params calls a helper; its path is the helper's name.
  if (
    (n.type === 'MustacheStatement' || n.type === 'BlockStatement' || n.type === 'SubExpression') &&
    Array.isArray(n.params) &&
    n.params.length > 0
  ) {
    const helper = n.path as AstNode;
    const name = Array.isArray(helper.parts) ? helper.parts.join('.') : '';
    if (!HELPERS.has(name))
      throw new TemplateError(
        `template calls "${name}"; only the helpers ${[...HELPERS].join(', ')} exist`,
      );
    for (const [k, v] of Object.entries(n)) if (k !== 'loc' && k !== 'path') collectPaths(v, out);
    return;
  }
  if (n.type === 'PathExpression' && Array.isArray(n.parts)) {
    out.push(n.parts.map(String));
    return;
  }
  for (const [k, v] of Object.entries(n)) {
    if (k !== 'loc') collectPaths(v, out);
  }
}

/**
 * Checks a template's syntax and returns the `.Values` keys it reads. Throws
 * TemplateError for syntax errors and for variables outside `.Values` / `.Alert`.
 */
export function analyzeTemplate(source: string): { valuesKeys: string[] } {
  let ast: unknown;
  try {
    ast = hbs.parse(toHandlebars(source));
  } catch (err) {
    const msg = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new TemplateError(`template does not parse: ${msg}`);
  }
  const paths: string[][] = [];
  collectPaths(ast, paths);
  const valuesKeys = new Set<string>();
  for (const parts of paths) {
    const [root, key] = parts;
    if (root === undefined || !ROOTS.has(root)) {
      throw new TemplateError(
        `template reads "${parts.join('.')}"; only .Values.<outputKey> and .Alert.labels.<name> are available`,
      );
    }
    if (root === 'Values') {
      if (key === undefined)
        throw new TemplateError('template reads .Values without a key; write .Values.<outputKey>');
      valuesKeys.add(key);
    }
  }
  return { valuesKeys: [...valuesKeys] };
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function compile(source: string): HandlebarsTemplateDelegate {
  let fn = compiled.get(source);
  if (!fn) {
    fn = hbs.compile(toHandlebars(source), {
      noEscape: true,
      strict: true,
      knownHelpersOnly: true,
    });
    if (compiled.size > 1000) compiled.clear();
    compiled.set(source, fn);
  }
  return fn;
}

/** Renders one template string. A `.Values` key that no step produced fails with its name. */
export function renderString(source: string, context: TemplateContext): string {
  if (!hasTemplate(source)) return source;
  const { valuesKeys } = analyzeTemplate(source);
  for (const key of valuesKeys) {
    const v = context.Values[key];
    if (!Object.hasOwn(context.Values, key) || v === undefined || v === null) {
      throw new TemplateError(
        `template needs .Values.${key}, but no earlier step produced outputKey "${key}"`,
      );
    }
  }
  try {
    return compile(source)(context, {
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
  } catch (err) {
    throw new TemplateError(`template failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Renders every string inside a JSON value (maps, lists, scalars), keeping types of non-strings. */
export function renderValue(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') return renderString(value, context);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, context));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, context);
    return out;
  }
  return value;
}

/** Every `.Values` key read by templates anywhere inside a JSON value. */
export function valuesKeysIn(value: unknown): string[] {
  const keys = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (hasTemplate(v)) for (const k of analyzeTemplate(v).valuesKeys) keys.add(k);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(value);
  return [...keys];
}

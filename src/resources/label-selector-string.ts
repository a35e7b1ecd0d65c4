/**
 * The string form of label selectors used in `?labelSelector=` and `lifeboat get -l`:
 * `app=web,tier!=db,env in (a,b),zone notin (x),has-key,!no-key`, turned into the
 * structured selector the scheduler matches with.
 */
import { BadRequestError } from '../errors.js';
import type { LabelSelector, LabelSelectorRequirement } from './common-schemas.js';

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function parseLabelSelector(text: string): LabelSelector {
  const fail = (part: string): never => {
    throw new BadRequestError(
      `label selector "${text}" does not parse at "${part}"; write e.g. app=web,tier!=db,env in (a,b),has-key,!no-key`,
    );
  };
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const part of splitTop(text)) {
    let m: RegExpMatchArray | null;
    if ((m = /^([^\s=!(),]+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(part))) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0) fail(part);
      matchExpressions.push({ key: m[1] ?? '', operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!(),]+)\s*!=\s*([^\s=!(),]*)$/.exec(part))) {
      matchExpressions.push({ key: m[1] ?? '', operator: 'NotIn', values: [m[2] ?? ''] });
    } else if ((m = /^([^\s=!(),]+)\s*==?\s*([^\s=!(),]*)$/.exec(part))) {
      matchLabels[m[1] ?? ''] = m[2] ?? '';
    } else if ((m = /^!\s*([^\s=!(),]+)$/.exec(part))) {
      matchExpressions.push({ key: m[1] ?? '', operator: 'DoesNotExist' });
    } else if ((m = /^([^\s=!(),]+)$/.exec(part))) {
      matchExpressions.push({ key: m[1] ?? '', operator: 'Exists' });
    } else fail(part);
  }
  const out: LabelSelector = {};
  if (Object.keys(matchLabels).length > 0) out.matchLabels = matchLabels;
  if (matchExpressions.length > 0) out.matchExpressions = matchExpressions;
  return out;
}

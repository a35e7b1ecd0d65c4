/** Reads manifests from files, folders (recursively) and stdin (`-`), each problem placed at file:line. */
import { readFile, stat } from 'node:fs/promises';
import { text as streamText } from 'node:stream/consumers';
import { BadRequestError, type Cause } from '../errors.js';
import { manifestFiles } from '../gitops/scan.js';
import { manifestsFromJson, manifestsFromYaml, type Manifest } from '../resources/manifests.js';

export interface ReadResult {
  manifests: Manifest[];
  errors: Cause[];
  warnings: Cause[];
  files: number;
}

const MAX_BYTES = 1024 * 1024;

async function expand(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push('-');
      continue;
    }
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new BadRequestError(`${p}: no such file or folder`);
    }
    if (info.isDirectory()) out.push(...(await manifestFiles(p)));
    else out.push(p);
  }
  return out;
}

export async function readManifests(paths: readonly string[]): Promise<ReadResult> {
  const files = await expand(paths);
  const result: ReadResult = { manifests: [], errors: [], warnings: [], files: files.length };
  for (const file of files) {
    const label = file === '-' ? '<stdin>' : file;
    const text = file === '-' ? await streamText(process.stdin) : await readFile(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_BYTES) {
      result.errors.push({
        field: '',
        file: label,
        message: `larger than ${MAX_BYTES} bytes; split it`,
      });
      continue;
    }
    try {
      const set = /\.json$/i.test(file)
        ? manifestsFromJson(text, label)
        : manifestsFromYaml(text, label);
      result.manifests.push(...set.manifests);
      result.errors.push(...set.errors);
      result.warnings.push(...set.warnings);
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      result.errors.push(
        ...(err.causes.length > 0
          ? err.causes
          : [{ field: '', file: label, message: err.message }]),
      );
    }
  }
  return result;
}

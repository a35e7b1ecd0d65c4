/** Lists the manifest files under a folder, recursively, in a stable order. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const MANIFEST = /\.(ya?ml|json)$/i;

export async function manifestFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && MANIFEST.test(e.name)) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

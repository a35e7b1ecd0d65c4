#!/usr/bin/env node
// The `lifeboat` command. In a checkout it runs the TypeScript sources through tsx,
// so a fresh clone works after `npm ci` alone and never runs a stale build; an
// installed package (no src/) runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}

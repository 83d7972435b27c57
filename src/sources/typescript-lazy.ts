// The TypeScript compiler is loaded on first use: SQL-only runs do not pay for its start-up
// (about a third of a second).
import { createRequire } from 'node:module';
import type ts from 'typescript';

let loaded: typeof ts | null = null;

export const tsv = new Proxy({} as typeof ts, {
  get(_target, key) {
    loaded ??= createRequire(import.meta.url)('typescript') as typeof ts;
    return loaded[key as keyof typeof ts];
  },
});

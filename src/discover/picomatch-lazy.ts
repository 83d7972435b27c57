// picomatch, loaded on first use: most runs match no glob (files named on the command line, no
// include/exclude/overrides in the config), and loading it cost a one-file run ~15 ms.
import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';

const require = createRequire(import.meta.url);
let loaded: typeof picomatchType | null = null;

export function picomatch(): typeof picomatchType {
  loaded ??= require('picomatch') as typeof picomatchType;
  return loaded;
}

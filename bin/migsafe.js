#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (the prepare script).
//
// WebAssembly without the optimising tier (V8's --liftoff-only), set before libpg-query and PGlite
// compile: a run is over before TurboFan's optimised code would pay back, and its background
// compilation kept the process alive for ~0.25 s after the work was done. Measured on this
// project's 2-core machine (medians of fresh processes): one file 0.79 → 0.52 s; the corpus's SQL
// files 3.70 → 3.35 s; verify of a 39-migration project 8.4 → 6.8 s.
import v8 from 'node:v8';

v8.setFlagsFromString('--liftoff-only');
const { main } = await import('../dist/src/cli/main.js');

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });

// A few seconds of the fuzz harness (test/fuzz.ts) in every `npm test`; `npm run fuzz` runs it for
// as long as MIGSAFE_FUZZ_SECONDS says (20 minutes by default), from MIGSAFE_FUZZ_SEED.
import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { fuzz } from './fuzz.js';

const seconds = Number(process.env.MIGSAFE_FUZZ_SECONDS ?? 6);
const firstSeed = Number(process.env.MIGSAFE_FUZZ_SEED ?? 20261125);
const log = process.env.MIGSAFE_FUZZ_LOG;

it(
  `mutated migrations of every source: no internal error, sentinels always reported (${seconds} s from seed ${firstSeed})`,
  async () => {
    const run = await fuzz(firstSeed, seconds * 1000, Infinity, log ? (seed) => appendFileSync(log, `${seed}\n`) : undefined);
    console.log(`fuzz: ${run.cases} cases from seed ${firstSeed}, slowest ${run.slowestMs} ms`);
    expect(run.failure).toBeNull();
    expect(run.cases).toBeGreaterThan(10);
  },
  (seconds + 120) * 1000,
);

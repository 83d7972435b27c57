import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Framework modules keep their runner tests beside them (src/sources/frameworks/).
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The CLI tests run the built package (bin/migsafe.js → dist/): build it once first.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});

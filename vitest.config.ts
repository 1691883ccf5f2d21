import { configDefaults, defineConfig } from "vitest/config";

// The data sets the tests read (GSM8K, SVAMP, recorded chains) ship in data/, so every test runs in a
// fresh clone.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the machine has two cores and the model tests are CPU-bound
    maxWorkers: 2,
  },
});

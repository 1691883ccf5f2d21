import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { configDefaults, defineConfig } from "vitest/config";

// Tests that read the shared data sets beside the repository (../shared/data: GSM8K, SVAMP, recorded
// chains). Where a checkout has no ../shared, they cannot run: say so loudly rather than fail.
const SHARED_DATA = fileURLToPath(new URL("../shared/data/", import.meta.url));
const NEEDS_SHARED_DATA = [
  "test/backends/replay.test.ts",
  "test/cli/kill-resume.test.ts",
  "test/cli/run-command.test.ts",
  "test/problems/read-problems.test.ts",
  "test/run/replay-engine.test.ts",
  "test/verify/gsm8k.test.ts",
  "test/verify/recorded-chains.test.ts",
];
const hasSharedData = existsSync(SHARED_DATA);
if (!hasSharedData) {
  process.stderr.write(`\nWARNING: ${SHARED_DATA} not found: ${NEEDS_SHARED_DATA.length} test files that read it are skipped:\n  ${NEEDS_SHARED_DATA.join("\n  ")}\n\n`);
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, ...(hasSharedData ? [] : NEEDS_SHARED_DATA)],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the machine has two cores and the model tests are CPU-bound
    maxWorkers: 2,
  },
});

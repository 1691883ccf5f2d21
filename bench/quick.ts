/**
 * The benchmarks' smoke test (CI): every `--quick` mode runs to the end and writes its files.
 * It asserts nothing about the numbers.
 *
 *   npm run bench:quick
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const runs: Array<[string, string[]]> = [
  ["bench/accuracy.ts", ["bench/results/accuracy-quick.md", "bench/results/accuracy-quick.json", "bench/results/accuracy-quick.svg"]],
  ["bench/throughput.ts", ["bench/results/throughput-quick.md", "bench/results/throughput-quick.json"]],
  ["bench/batching.ts", ["bench/results/batching-quick.md", "bench/results/batching-quick.json"]],
  ["bench/serve.ts", ["bench/results/serve-quick.md", "bench/results/serve-quick.json"]],
  ["bench/ensemble.ts", ["bench/results/ensemble-quick.md", "bench/results/ensemble-quick.json"]],
  ["bench/speed.ts", ["bench/results/speed-quick.md", "bench/results/speed-quick.json"]],
  ["bench/bound-outputs.ts", ["bench/results/bound-outputs-quick.md", "bench/results/bound-outputs-quick.json"]],
  ["bench/int8.ts", ["bench/results/int8-quick.md", "bench/results/int8-quick.json"]],
  ["bench/verify-speed.ts", ["bench/results/verify-speed.md", "bench/results/verify-speed.json"]],
];
for (const [script, outputs] of runs) {
  const started = Date.now();
  execFileSync(process.execPath, ["--import", "tsx", script, "--quick"], { stdio: ["ignore", "ignore", "inherit"] });
  for (const file of outputs) {
    if (!existsSync(file) || statSync(file).mtimeMs < started) throw new Error(`${script} did not write ${file}`);
  }
  process.stdout.write(`ok ${script} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

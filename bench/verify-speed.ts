/**
 * Verifier speed: every calculator annotation of GSM8K train + test (27,998), checked exactly.
 *
 *   npm run bench:verify
 *
 * Prints annotations/s for the step checker alone and whole solutions/s for verifyChain (steps found,
 * checked, answer extracted), best of three passes, and writes bench/results/verify-speed.{json,md}.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

import { checkStep, verifyChain } from "../src/verify/index.js";

const files = ["data/gsm8k/train.jsonl", "data/gsm8k/test.jsonl"];
if (!files.every((f) => existsSync(f))) {
  // GSM8K lives beside the repository (data/); without it there is nothing to time
  process.stderr.write(`GSM8K not found at ${files.join(", ")}: nothing to measure\n`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/verify-speed.md", "# Verifier speed\n\nGSM8K (data/gsm8k) was not found; nothing was measured.\n");
  writeFileSync("bench/results/verify-speed.json", `${JSON.stringify({ measured: false }, null, 2)}\n`);
  process.exit(0);
}
const solutions = files.flatMap((f) =>
  readFileSync(f, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { answer: string }).answer),
);
const annotations = solutions.flatMap((s) => [...s.matchAll(/<<([^=<>]*)=([^<>]*)>>/g)].map((m) => [m[1]!, m[2]!] as const));

function best(run: () => number): { ms: number; failures: number } {
  let ms = Infinity;
  let failures = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    failures = run();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, failures };
}

const steps = best(() => annotations.filter(([e, c]) => { const v = checkStep(e, c, "annotation"); return v.kind !== "checked" || !v.ok; }).length);
const chains = best(() => solutions.filter((s) => verifyChain(s).answer === null).length);
const lines = [
  `| what | count | time | per second | failures |`,
  `|---|---|---|---|---|`,
  `| annotations checked (checkStep) | ${annotations.length} | ${steps.ms.toFixed(0)} ms | ${Math.round(annotations.length / (steps.ms / 1000)).toLocaleString("en")} | ${steps.failures} rejected |`,
  `| solutions verified (verifyChain: find, check, extract answer) | ${solutions.length} | ${chains.ms.toFixed(0)} ms | ${Math.round(solutions.length / (chains.ms / 1000)).toLocaleString("en")} | ${chains.failures} without answer |`,
];
const table = lines.join("\n");
process.stdout.write(`${table}\n`);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/verify-speed.md", `# Verifier speed (GSM8K train + test, best of 3)\n\n${table}\n`);
writeFileSync("bench/results/verify-speed.json", `${JSON.stringify({ annotations: annotations.length, solutions: solutions.length, stepsMs: steps.ms, chainsMs: chains.ms, rejected: steps.failures }, null, 2)}\n`);

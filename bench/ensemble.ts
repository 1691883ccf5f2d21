/**
 * Weighted ensembles on the recorded six-model GSM8K chains (replay): member weights tuned on a
 * development half of the problems, measured on the other half.
 *
 *   npm run bench:ensemble [-- --quick]
 *
 * Development: the first half of the problems (file order); test: the second. On development, each
 * member's (recorded source's) single-chain accuracy p gives its weight, the log-odds log(p / (1 - p))
 * (the optimal weight of independent voters; members no better than chance weigh 0). On test: the best
 * development member alone, the unweighted vote of all members, and the weighted vote. Writes
 * bench/results/ensemble{-quick}.{json,md}.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

import { createEngine } from "../src/engine.js";
import { readProblems, type Problem } from "../src/problems/index.js";
import type { ProblemResult, RunSummary } from "../src/run/index.js";
import { summarize } from "../src/run/index.js";

const quick = process.argv.includes("--quick");
const file = "data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl";
const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.trim() !== "").length;
const all: Problem[] = [];
for await (const problem of readProblems(file)) all.push(problem);
const used = quick ? all.slice(0, 200) : all;
const half = Math.floor(used.length / 2);
const [development, test] = [used.slice(0, half), used.slice(half)];

const engine = await createEngine({ backend: "replay", recorded: file });
async function run(problems: Problem[], memberWeights?: Record<string, number>): Promise<RunSummary> {
  const results: ProblemResult[] = [];
  for await (const result of engine.run(problems, { samples: 12, concurrency: 8, ...(memberWeights ? { memberWeights } : {}) })) results.push(result);
  return summarize(results, { wallSeconds: 1, decoded: false });
}

const dev = await run(development);
const weights = Object.fromEntries(
  dev.members!.map((m) => {
    const p = Math.min(Math.max(m.singleChainAccuracy ?? 0, 1e-3), 1 - 1e-3);
    return [m.member, Math.max(0, Math.log(p / (1 - p)))];
  }),
);
const best = [...dev.members!].sort((a, b) => (b.singleChainAccuracy ?? 0) - (a.singleChainAccuracy ?? 0))[0]!.member;
const unweighted = await run(test);
const weighted = await run(test, weights);
await engine.close();
const bestOnTest = unweighted.members!.find((m) => m.member === best)!;

const pct = (value: number | null | undefined): string => (value == null ? "–" : `${(100 * value).toFixed(1)}%`);
const table = [
  `${file}: ${used.length} of ${lines} problems; development = first ${development.length}, test = last ${test.length}; one chain per member (12 members)`,
  "",
  "| on the test half | majority | verified |",
  "|---|---|---|",
  `| best development member alone (${best}), one chain | ${pct(bestOnTest.singleChainAccuracy)} | – |`,
  `| all 12 members, unweighted | ${pct(unweighted.votedAccuracy.majority)} | ${pct(unweighted.votedAccuracy.verified)} |`,
  `| all 12 members, log-odds weights from development | ${pct(weighted.votedAccuracy.majority)} | ${pct(weighted.votedAccuracy.verified)} |`,
  "",
  `weights: ${Object.entries(weights)
    .sort((a, b) => b[1] - a[1])
    .map(([member, weight]) => `${member} ${weight.toFixed(2)}`)
    .join(", ")}`,
].join("\n");
process.stdout.write(`${table}\n`);
mkdirSync("bench/results", { recursive: true });
const name = `ensemble${quick ? "-quick" : ""}`;
writeFileSync(`bench/results/${name}.json`, `${JSON.stringify({ development: development.length, test: test.length, best, weights, unweighted: unweighted.votedAccuracy, weighted: weighted.votedAccuracy, bestAlone: bestOnTest.singleChainAccuracy }, null, 2)}\n`);
writeFileSync(`bench/results/${name}.md`, `# Weighted ensembles (replay)\n\n${table}\n`);

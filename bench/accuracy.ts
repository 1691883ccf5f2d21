/**
 * Self-consistency against single-chain accuracy, on the shipped model and on recorded large-model chains.
 *
 *   npm run bench:accuracy [-- --quick]
 *
 * Per fixture set: greedy accuracy; single sampled chain accuracy; maj@k for k = 1, 3, 5, 10, 20, 40 for
 * the majority, verified and log-prob votes, estimated from one pool of N chains per problem (averaged
 * over subsets of size k); adaptive stopping (Adaptive-Consistency, ESC) replayed over the same pool,
 * against fixed k = N; the same with calculator-assisted decoding; and the recorded chains via replay.
 * Writes bench/results/accuracy.{md,json,svg}.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

import { createEngine, type ProblemResult, type VoteRuleName } from "../src/index.js";
import { readProblems, type Problem } from "../src/problems/index.js";
import { adaptive, anyRight, esc, greedyAccuracy, simulateStopping, singleChain, votedAtK } from "./lib/estimators.js";
import { type Panel, renderPlot } from "./lib/plot.js";

const quick = process.argv.includes("--quick");
const POOL = quick ? 8 : 40;
const PER_SET = quick ? 12 : 60;
const CALCULATOR_POOL = quick ? 4 : 20;
const CALCULATOR_SETS = quick ? ["hard"] : ["hard", "apples_en", "apples_zh"];
const SETS = ["easy", "medium", "hard", "apples_en", "apples_zh"];
const KS = [1, 3, 5, 10, 20, 40].filter((k) => k <= POOL);
const RULES: VoteRuleName[] = ["majority", "verified", "logprob"];
const RECORDED = "data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl";

async function take(file: string, count: number): Promise<Problem[]> {
  const out: Problem[] = [];
  for await (const p of readProblems(file)) {
    out.push(p);
    if (out.length >= count) break;
  }
  return out;
}

async function collect(iterable: AsyncIterable<ProblemResult>): Promise<ProblemResult[]> {
  const out: ProblemResult[] = [];
  for await (const r of iterable) out.push(r);
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

interface SetReport {
  set: string;
  problems: number;
  pool: number;
  greedy: number | null;
  single: number;
  anyRight: number;
  curves: Record<VoteRuleName, Array<{ k: number; accuracy: number }>>;
  adaptive: { accuracy: number; meanChains: number };
  esc: { accuracy: number; meanChains: number };
  fixed: { k: number; accuracy: number };
  generatedTokens: number;
  seconds: number;
}

function analyse(set: string, results: ProblemResult[], ks: number[], seconds: number): SetReport {
  const pool = Math.min(...results.map((r) => r.chains.length));
  const curves = Object.fromEntries(RULES.map((rule) => [rule, ks.filter((k) => k <= pool).map((k) => ({ k, accuracy: votedAtK(results, rule, k) }))])) as SetReport["curves"];
  return {
    set,
    problems: results.length,
    pool,
    greedy: greedyAccuracy(results),
    single: singleChain(results),
    anyRight: anyRight(results),
    curves,
    adaptive: simulateStopping(results, adaptive, 4),
    esc: simulateStopping(results, esc, 5),
    fixed: { k: pool, accuracy: votedAtK(results, "majority", pool) },
    generatedTokens: results.reduce((s, r) => s + r.usage.generatedTokens, 0),
    seconds,
  };
}

const pct = (x: number | null): string => (x === null ? "–" : `${(100 * x).toFixed(1)}%`);
const started = performance.now();
const reports: Array<SetReport & { calculator: boolean; source: string }> = [];

const engine = await createEngine({ maxBatchRows: 128 });
for (const calculator of [false, true]) {
  for (const set of calculator ? CALCULATOR_SETS : SETS) {
    const problems = await take(`fixtures/${set}.jsonl`, PER_SET);
    const t = performance.now();
    const results = await collect(
      engine.run(problems, { samples: calculator ? CALCULATOR_POOL : POOL, seed: 1, calculator, greedyBaseline: !calculator, concurrency: 8 }),
    );
    const report = analyse(set, results, KS, (performance.now() - t) / 1000);
    reports.push({ ...report, calculator, source: "shipped model" });
    process.stderr.write(`${set}${calculator ? " +calculator" : ""}: single ${pct(report.single)}, maj@${report.pool} ${pct(report.fixed.accuracy)} (${report.seconds.toFixed(0)} s)\n`);
  }
}
await engine.close();

// the recorded chains ship in data/
if (existsSync(RECORDED)) {
  const replay = await createEngine({ backend: "replay", recorded: RECORDED });
  const t = performance.now();
  const results = await collect(replay.run(readProblems(RECORDED), { samples: 12, concurrency: 16 }));
  reports.push({ ...analyse("gsm8k-test recorded chains (6 OpenAI models × 2 prompts)", results, [1, 3, 5, 12], (performance.now() - t) / 1000), calculator: false, source: "replay" });
  await replay.close();
} else {
  process.stderr.write(`${RECORDED} not found: the recorded-chains row is left out\n`);
}

const lines: string[] = [
  `Shipped model: ${PER_SET} problems per set, pool of ${POOL} chains per problem (${CALCULATOR_POOL} with the calculator), seed 1, the model's default temperature. Recorded chains: all 1,319 GSM8K test problems, 12 chains each (no log-probabilities: the logprob vote equals majority there).`,
  "",
  `| set | greedy | single chain | ${KS.map((k) => `maj@${k}`).join(" | ")} | verified@max | logprob@max | some chain right | adaptive (acc, chains) | ESC (acc, chains) |`,
  `|---|---|---|${KS.map(() => "---").join("|")}|---|---|---|---|---|`,
];
for (const r of reports) {
  const maj = KS.map((k) => {
    const point = r.curves.majority.find((d) => d.k === k);
    return point ? pct(point.accuracy) : "–";
  });
  const last = (rule: VoteRuleName): string => pct(r.curves[rule].at(-1)?.accuracy ?? null);
  const name = `${r.set}${r.calculator ? " + calculator" : ""}`;
  lines.push(
    `| ${name} | ${pct(r.greedy)} | ${pct(r.single)} | ${maj.join(" | ")} | ${last("verified")} | ${last("logprob")} | ${pct(r.anyRight)} | ${pct(r.adaptive.accuracy)}, ${r.adaptive.meanChains.toFixed(1)} | ${pct(r.esc.accuracy)}, ${r.esc.meanChains.toFixed(1)} |`,
  );
}
lines.push("", "Adaptive stopping against fixed k = pool (majority vote):", "");
for (const r of reports) {
  for (const [name, s] of [["Adaptive-Consistency (0.95)", r.adaptive], ["ESC (window 5)", r.esc]] as const) {
    lines.push(`- ${r.set}${r.calculator ? " + calculator" : ""}, ${name}: ${(r.fixed.k / s.meanChains).toFixed(1)}× fewer chains than k=${r.fixed.k}, ${(100 * (r.fixed.accuracy - s.accuracy)).toFixed(1)} points lost`);
  }
}
const seconds = (performance.now() - started) / 1000;
lines.push("", `Total wall time ${seconds.toFixed(0)} s.`);
const markdown = lines.join("\n");
process.stdout.write(`${markdown}\n`);

const panels: Panel[] = reports.map((r) => ({ title: `${r.set}${r.calculator ? " + calc" : ""}`.slice(0, 40), single: r.single, curves: r.curves }));
const suffix = quick ? "-quick" : "";
mkdirSync("bench/results", { recursive: true });
writeFileSync(`bench/results/accuracy${suffix}.md`, `# Accuracy: self-consistency against a single chain\n\n![plot](accuracy${suffix}.svg)\n\n${markdown}\n`);
writeFileSync(`bench/results/accuracy${suffix}.json`, `${JSON.stringify({ pool: POOL, perSet: PER_SET, reports, seconds }, null, 2)}\n`);
writeFileSync(`bench/results/accuracy${suffix}.svg`, renderPlot(panels));

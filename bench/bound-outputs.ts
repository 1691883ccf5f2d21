/**
 * Decode steps with the graph's outputs written into buffers the scheduler keeps (the default) against
 * outputs onnxruntime allocates on every run (the former behaviour), interleaved in one process so the
 * machine's noise hits both alike: k chains of one prompt, `--tokens` new tokens each (EOS ignored), best
 * of `--rounds` runs per side. Chains are checked identical between the two sides.
 *
 *   npx tsx bench/bound-outputs.ts [--k 1,8,32,64] [--tokens 128] [--rounds 5] [--threads N] [--quick]
 *
 * Writes bench/results/bound-outputs.md and .json (`-quick` files with --quick).
 */
import { writeFileSync } from "node:fs";

import { loadModel } from "../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";
import { Scheduler } from "../src/model/scheduler.js";
import { interleavedRounds, interleavedSettings } from "./lib/interleaved.js";

const { ks, tokens, rounds, threads, quick, question, load } = interleavedSettings();

const model = await loadModel(SHIPPED_MODEL, { graph: "split-cache", session: { intraOpThreads: threads } });
const promptIds = model.encode(`Q: ${question}\nA: `);

/** One decode of k chains; returns its wall time and the chains' texts. */
async function once(k: number, bindOutputs: boolean, maxTokens: number): Promise<{ ms: number; texts: string[] }> {
  const scheduler = new Scheduler(model, { maxRows: k, continuous: false, bindOutputs });
  const started = performance.now();
  const result = await scheduler.submit(
    { promptIds, count: k, seed: 1, firstIndex: 0, maxTokens, sampling: { temperature: 1, topK: 0, topP: 1 }, stop: [], stopAtAnswerLine: false, ignoreEos: true },
    { aborted: () => false },
  );
  const ms = performance.now() - started;
  await scheduler.close();
  return { ms, texts: result.chains.map((c) => c.text) };
}

interface Row { k: number; boundTokensPerS: number; allocatedTokensPerS: number; ratio: number; sameChains: boolean }
const rows: Row[] = [];
for (const k of ks) {
  await once(k, true, 8); // warm-up: first runs allocate and tune
  await once(k, false, 8);
  // side 0: outputs bound, side 1: allocated each run
  const { best, texts } = await interleavedRounds(rounds, (side) => once(k, side === 0, tokens));
  const [bound, allocated] = best;
  const sameChains = texts.every(([a, b]) => JSON.stringify(a) === JSON.stringify(b));
  const perS = (ms: number): number => (k * tokens) / (ms / 1000);
  rows.push({ k, boundTokensPerS: perS(bound), allocatedTokensPerS: perS(allocated), ratio: allocated / bound, sameChains });
}
await model.close();

const suffix = quick ? "-quick" : "";
const lines = [
  "# Bound outputs",
  "",
  "Made by `npx tsx bench/bound-outputs.ts`" + (quick ? " --quick" : "") + ".",
  "",
  `Shipped model, split-cache graph, ${threads} threads; a fixtures/hard.jsonl prompt (${promptIds.length} tokens), ${tokens} new tokens a chain (EOS ignored), temperature 1, best of ${rounds} interleaved runs a side. Load average at start: ${load.toFixed(2)}.`,
  "",
  "| k | outputs bound (default), tokens/s | outputs allocated each run, tokens/s | bound / allocated | same chains |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.k} | ${r.boundTokensPerS.toFixed(0)} | ${r.allocatedTokensPerS.toFixed(0)} | ${r.ratio.toFixed(2)}× | ${r.sameChains ? "yes" : "NO"} |`),
  "",
];
writeFileSync(`bench/results/bound-outputs${suffix}.md`, lines.join("\n"));
writeFileSync(`bench/results/bound-outputs${suffix}.json`, JSON.stringify({ threads, tokens, rounds, loadAverage: load, rows }, null, 1));
process.stdout.write(lines.join("\n"));

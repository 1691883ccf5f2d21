/**
 * The 8-bit split-cache graph (`--graph split-cache-int8`) against the float32 one, interleaved in one
 * process so the machine's noise hits both alike: k chains of one prompt, `--tokens` new tokens each (EOS
 * ignored), temperature 1, seed 1, best of `--rounds` runs per side, the side that goes first alternating.
 * Also counts how many of the k chains come out identical on both sides (the same seeds: where the 8-bit
 * rounding moves a sampled token, a chain goes its own way from there).
 *
 *   npx tsx bench/int8.ts [--k 1,8,32,64] [--tokens 128] [--rounds 5] [--threads N] [--quick]
 *
 * Writes bench/results/int8.md and .json (`-quick` files with --quick).
 */
import { writeFileSync } from "node:fs";

import { decode } from "../src/model/decoder.js";
import { type GraphChoice, loadModel } from "../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";
import { interleavedRounds, interleavedSettings } from "./lib/interleaved.js";

const { ks, tokens, rounds, threads, quick, question, load } = interleavedSettings();

const sides = ["split-cache", "split-cache-int8"] as const satisfies readonly GraphChoice[];
const models = await Promise.all(sides.map((graph) => loadModel(SHIPPED_MODEL, { graph, session: { intraOpThreads: threads } })));
const promptIds = models[0]!.encode(`Q: ${question}\nA: `);

/** One decode of k chains on one side; its wall time and the chains' texts. */
async function once(side: number, k: number, maxTokens: number): Promise<{ ms: number; texts: string[] }> {
  const started = performance.now();
  const result = await decode(
    models[side]!,
    { groups: [{ promptIds, count: k, seed: 1, firstIndex: 0 }], maxTokens, sampling: { temperature: 1, topK: 0, topP: 1 }, stop: [], stopAtAnswerLine: false, ignoreEos: true },
    { aborted: () => false },
  );
  return { ms: performance.now() - started, texts: result.groups[0]!.map((c) => c.text) };
}

interface Row { k: number; float32TokensPerS: number; int8TokensPerS: number; ratio: number; identicalChains: number }
const rows: Row[] = [];
for (const k of ks) {
  for (let side = 0; side < sides.length; side++) await once(side, k, 8); // warm-up: first runs allocate and tune
  const { best, texts } = await interleavedRounds(rounds, (side) => once(side, k, tokens));
  const perS = (ms: number): number => (k * tokens) / (ms / 1000);
  const [float32, int8] = texts.at(-1)!;
  const identicalChains = float32.filter((text, i) => text === int8[i]).length;
  rows.push({ k, float32TokensPerS: perS(best[0]), int8TokensPerS: perS(best[1]), ratio: best[0] / best[1], identicalChains });
}
await Promise.all(models.map((m) => m.close()));

const suffix = quick ? "-quick" : "";
const lines = [
  "# 8-bit weights",
  "",
  "Made by `npx tsx bench/int8.ts`" + (quick ? " --quick" : "") + ".",
  "",
  `Shipped model: model_split_cache.onnx (float32) against model_split_cache_int8.onnx (MatMulNBits, 8-bit weights, int8 activations), ${threads} threads; a fixtures/hard.jsonl prompt (${promptIds.length} tokens), ${tokens} new tokens a chain (EOS ignored), temperature 1, seed 1, best of ${rounds} interleaved runs a side. Load average at start: ${load.toFixed(2)}.`,
  "",
  "| k | float32 tokens/s | int8 tokens/s | int8 / float32 | chains identical |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.k} | ${r.float32TokensPerS.toFixed(0)} | ${r.int8TokensPerS.toFixed(0)} | ${r.ratio.toFixed(2)}× | ${r.identicalChains} of ${r.k} |`),
  "",
];
writeFileSync(`bench/results/int8${suffix}.md`, lines.join("\n"));
writeFileSync(`bench/results/int8${suffix}.json`, JSON.stringify({ threads, tokens, rounds, loadAverage: load, rows }, null, 1));
process.stdout.write(lines.join("\n"));

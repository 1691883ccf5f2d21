/**
 * Sampler throughput on the shipped model, measured in one run (ratios, not absolute times, are the
 * point: the machine is shared and noisy).
 *
 *   npm run bench:throughput [-- --quick]
 *
 * For k = 1, 8, 32, 64 chains of one prompt, each chain generating exactly N tokens (EOS ignored):
 * - cot-sc's split-cache graph, k chains batched after one shared prefill;
 * - the textbook Optimum loop (presents fed back as past), same batching;
 * - "one at a time" = k sequential k=1 runs of the split-cache path (k × the k=1 time).
 * Prints tokens/s and ratios, and writes bench/results/throughput.{json,md}.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";

import { decode } from "../src/model/decoder.js";
import { loadModel, type LoadedModel } from "../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";

const quick = process.argv.includes("--quick");
const KS = quick ? [1, 8, 32] : [1, 8, 32, 64];
const NEW_TOKENS = quick ? 64 : 250;
const REPEATS = quick ? 1 : 2;

const question = JSON.parse(readFileSync(new URL("../fixtures/hard.jsonl", import.meta.url), "utf8").split("\n")[1]!).question as string;
const prompt = `Q: ${question}\nA: `;

async function measure(model: LoadedModel, k: number): Promise<{ tokensPerSecond: number; wallMs: number; rss: number }> {
  const promptIds = model.encode(prompt);
  let best = Infinity;
  let tokens = 0;
  for (let r = 0; r < REPEATS; r++) {
    const result = await decode(
      model,
      {
        groups: [{ promptIds, count: k, seed: 1, firstIndex: 0 }],
        maxTokens: NEW_TOKENS,
        sampling: { temperature: 1, topK: 0, topP: 1 },
        stop: [],
        stopAtAnswerLine: false,
        ignoreEos: true,
      },
      { aborted: () => false },
    );
    tokens = result.generatedTokens;
    best = Math.min(best, result.wallMs);
  }
  return { tokensPerSecond: (tokens / best) * 1000, wallMs: best, rss: process.resourceUsage().maxRSS * 1024 };
}

const rows: Array<{ graph: string; k: number; tokensPerSecond: number; wallMs: number; peakRssMb: number }> = [];
for (const graph of ["split-cache", "optimum"] as const) {
  const model = await loadModel(process.env.COT_SC_MODEL ?? SHIPPED_MODEL, { graph });
  await measure(model, 1); // warm-up: first runs allocate and tune
  for (const k of KS) {
    const m = await measure(model, k);
    rows.push({ graph, k, tokensPerSecond: m.tokensPerSecond, wallMs: m.wallMs, peakRssMb: m.rss / 2 ** 20 });
    process.stderr.write(`${graph} k=${k}: ${m.tokensPerSecond.toFixed(0)} tokens/s\n`);
  }
  await model.close();
}

const split1 = rows.find((r) => r.graph === "split-cache" && r.k === 1)!;
const lines = [
  `prompt ${prompt.length} characters, ${NEW_TOKENS} new tokens per chain, best of ${REPEATS}`,
  "",
  "| k | split-cache batched tokens/s | vs one at a time (k × k=1) | Optimum loop batched tokens/s | split-cache / Optimum | wall ms per problem (split) | peak RSS MB |",
  "|---|---|---|---|---|---|---|",
];
for (const k of KS) {
  const s = rows.find((r) => r.graph === "split-cache" && r.k === k)!;
  const o = rows.find((r) => r.graph === "optimum" && r.k === k)!;
  lines.push(
    `| ${k} | ${s.tokensPerSecond.toFixed(0)} | ${(s.tokensPerSecond / split1.tokensPerSecond).toFixed(2)}× | ${o.tokensPerSecond.toFixed(0)} | ${(s.tokensPerSecond / o.tokensPerSecond).toFixed(2)}× | ${s.wallMs.toFixed(0)} | ${s.peakRssMb.toFixed(0)} |`,
  );
}
const table = lines.join("\n");
process.stdout.write(`${table}\n`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/throughput${quick ? "-quick" : ""}.json`, import.meta.url), `${JSON.stringify({ newTokens: NEW_TOKENS, repeats: REPEATS, rows }, null, 2)}\n`);
writeFileSync(new URL(`./results/throughput${quick ? "-quick" : ""}.md`, import.meta.url), `# Sampler throughput\n\n${table}\n`);

/**
 * Speed against what users would pick instead, measured in one run and printed as ratios (the machine is
 * shared and noisy: absolute times drift, ratios measured side by side much less).
 *
 *   npm run bench:speed [-- --quick] [--model DIR] [--checkpoint PATH] [--threads N]
 *
 * Model directory: --model, else $COT_SC_MODEL, else the shipped model. Checkpoint (for the PyTorch loop
 * and the parameter count): --checkpoint, else $COT_SC_CHECKPOINT, else training/work/checkpoint.pt.
 * Threads: --threads, else the machine's cores; every contender gets the same.
 *
 * One prompt (a fixtures/hard.jsonl question as `Q: ...\nA: `), the same token ids for every contender,
 * k chains of exactly N generated tokens each (EOS ignored), sampled at temperature 1, for k = 1, 8, 32, 64
 * (--quick: 1, 8, 32, fewer tokens):
 * - cot-sc: k chains batched after one shared prefill, split-cache graph;
 * - cot-sc int8: the same with the 8-bit split-cache graph (training/quantize_int8.py), where the model
 *   directory has one;
 * - cot-sc one at a time: the same k chains as k separate k = 1 jobs;
 * - the naive Optimum loop (presents fed back as past), batched, through the same decoder;
 * - Transformers.js: k copies of the prompt in one batch (it has no num_return_sequences);
 * - a PyTorch loop with a KV cache (bench/pytorch_loop.py, the training tool's model code);
 * and the machine's ceiling: the best rate of a large MatMul through onnxruntime, with cot-sc's decode
 * FLOP/s as a fraction of it; the memory bandwidth (a ReduceSum over 256 MiB), and with both a roofline:
 * per step the FLOPs and the bytes that must move, the bound they give, and cot-sc's share of it. Each case runs in a process of its own, one at a time, so its peak RSS is
 * its own. Writes bench/results/speed.{md,json} (speed-quick.* with --quick).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

import { resolveModelDirectory } from "../src/model/model-dir.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";
import { loadTokenizer } from "../src/tokenizer/index.js";
import type { CaseRequest, CaseResult } from "./speed-case.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../", import.meta.url));
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    model: { type: "string" },
    checkpoint: { type: "string" },
    threads: { type: "string" },
  },
});
const quick = flags.quick ?? false;
const modelDirectory = resolve(flags.model ?? process.env.COT_SC_MODEL ?? SHIPPED_MODEL);
const checkpoint = resolve(flags.checkpoint ?? process.env.COT_SC_CHECKPOINT ?? join(modelDirectory, "pytorch_checkpoint.pt"));
const threads = Number(flags.threads ?? availableParallelism());
// --quick leaves out k = 64 to stay under two minutes; the goals are read at k = 32
const KS = quick ? [1, 8, 32] : [1, 8, 32, 64];
const GOAL_K = 32;
const NEW_TOKENS = quick ? 32 : 128;
const REPEATS = quick ? 1 : 2;
const MIN_SECONDS = quick ? 0.3 : 1.5;
// one at a time is k × the same k = 1 job; in quick mode run a few of the k and scale
const SEQUENTIAL_CHAINS = quick ? 4 : Infinity;
const MATMUL_SIZE = 1024;
// 256 MiB: far past any cache on this kind of machine, so the sum streams from memory
const REDUCE_SIZE = quick ? 1 << 25 : 1 << 26;
// Debian's python3 (python3-torch, python3-onnx); COT_SC_PYTHON overrides it
const PYTHON = process.env.COT_SC_PYTHON ?? "/usr/bin/python3";
const PYTHON_ENV = { ...process.env, LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu/openblas-openmp" };

const question = (JSON.parse(readFileSync(join(root, "fixtures/hard.jsonl"), "utf8").split("\n")[1]!) as { question: string }).question;
const prompt = `Q: ${question}\nA: `;
// other work on the machine skews everything: say how busy it was when the run began
const loadAtStart = loadavg()[0]!;
const files = await resolveModelDirectory(modelDirectory);
const promptIds = (await loadTokenizer(files.directory)).encode(prompt);

type Contender = CaseRequest["contender"] | "pytorch";
interface Row extends CaseResult {
  contender: Contender;
  k: number;
  tokensPerSecond: number;
  error?: string;
}
const rows: Row[] = [];

function lastJsonLine(stdout: string): CaseResult {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no JSON on stdout: ${stdout.slice(-500)}`);
  return JSON.parse(line) as CaseResult;
}

async function measure(contender: Contender, k: number, extra: Partial<CaseRequest> = {}): Promise<Row> {
  const started = performance.now();
  let row: Row;
  try {
    let result: CaseResult;
    if (contender === "pytorch") {
      const { stdout } = await run(
        PYTHON,
        [join(root, "bench/pytorch_loop.py"), "--checkpoint", checkpoint, "--prompt-ids", JSON.stringify(promptIds), "--k", String(k),
          "--new-tokens", String(NEW_TOKENS), "--threads", String(threads), "--repeats", String(REPEATS), "--min-seconds", String(MIN_SECONDS)],
        { env: PYTHON_ENV, maxBuffer: 1 << 24 },
      );
      result = lastJsonLine(stdout);
    } else {
      const request: CaseRequest = { contender, k, modelDirectory, promptIds, newTokens: NEW_TOKENS, repeats: REPEATS, minSeconds: MIN_SECONDS, threads, ...extra };
      const { stdout } = await run(process.execPath, ["--import", "tsx", join(root, "bench/speed-case.ts"), JSON.stringify(request)], {
        cwd: root,
        maxBuffer: 1 << 24,
      });
      result = lastJsonLine(stdout);
    }
    row = { contender, k, ...result, tokensPerSecond: result.generatedTokens / (result.wallMs / 1000) };
  } catch (error) {
    const message = ((error as { stderr?: string }).stderr || (error as Error).message).trim().split("\n").slice(-3).join(" ");
    row = { contender, k, generatedTokens: 0, wallMs: NaN, peakRssBytes: NaN, tokensPerSecond: NaN, error: message };
  }
  rows.push(row);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    row.error
      ? `${contender} k=${k}: FAILED ${row.error}\n`
      : `${contender} k=${k}: ${
          row.gflops !== undefined ? `${row.gflops.toFixed(1)} GFLOP/s` : row.gbPerSecond !== undefined ? `${row.gbPerSecond.toFixed(1)} GB/s` : `${row.tokensPerSecond.toFixed(0)} tokens/s`
        } (${seconds} s)\n`,
  );
  return row;
}

// ---- the parameter count (for the FLOP count): from the checkpoint when Debian's torch is there,
// else from config.json with GPT-2's shapes (the shipped model's architecture)
const gpt2 = JSON.parse(readFileSync(join(files.directory, "config.json"), "utf8")) as { n_layer: number; n_embd: number; vocab_size: number; n_positions: number };
function gpt2Parameters(): Record<string, number> {
  const d = gpt2.n_embd;
  const perLayer = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d);
  return { "wte.weight": gpt2.vocab_size * d, "wpe.weight": gpt2.n_positions * d, layers: gpt2.n_layer * perLayer, "ln_f": 2 * d };
}
const parameterSizes = await run(
  PYTHON,
  ["-c", "import sys,json,torch; s=torch.load(sys.argv[1],map_location='cpu',weights_only=False)['state']; print(json.dumps({k:v.numel() for k,v in s.items()}))", checkpoint],
  { env: PYTHON_ENV, maxBuffer: 1 << 24 },
).then(
  ({ stdout }) => JSON.parse(stdout) as Record<string, number>,
  () => gpt2Parameters(),
);
const parameters = Object.values(parameterSizes).reduce((a, b) => a + b, 0);
// position embeddings are a lookup, not a product; the tied token embedding is counted once, as the LM head
const matmulParameters = parameters - (parameterSizes["wpe.weight"] ?? 0);
const config = JSON.parse(readFileSync(join(files.directory, "config.json"), "utf8")) as { n_layer: number; n_embd: number };
// attention per token: QK^T and AV, 2 FLOPs per multiply-add each, over the context, every layer
const meanContext = promptIds.length + NEW_TOKENS / 2;
const flopsPerToken = 2 * matmulParameters + 4 * config.n_layer * config.n_embd * meanContext;

// ---- the ceiling
const scratch = mkdtempSync(join(tmpdir(), "cot-sc-speed-"));
try {
  // the one-node graphs are built with Debian's python3-onnx; without it their rows say so
  const graph = (script: string, size: number): Promise<string> => {
    const path = join(scratch, script.replace(/\.py$/, ".onnx"));
    return run(PYTHON, [join(root, "bench", script), path, String(size)], { env: PYTHON_ENV }).then(
      () => path,
      () => join(scratch, "missing-python3-onnx.onnx"),
    );
  };
  const seconds = quick ? 1 : 3;
  const ceiling = await measure("matmul", 0, { matmulGraph: await graph("matmul_graph.py", MATMUL_SIZE), matmulSize: MATMUL_SIZE, matmulSeconds: seconds });
  const bandwidth = await measure("bandwidth", 0, { reduceGraph: await graph("reduce_graph.py", REDUCE_SIZE), reduceSize: REDUCE_SIZE, matmulSeconds: seconds });

  // ---- Transformers.js wants <root>/<name>/onnx/model.onnx beside config.json and the tokenizer files
  const transformersRoot = join(scratch, "transformers");
  mkdirSync(join(transformersRoot, "model", "onnx"), { recursive: true });
  if (!files.optimumGraph) throw new Error(`${files.directory} has no Optimum-layout graph for Transformers.js`);
  symlinkSync(files.optimumGraph, join(transformersRoot, "model", "onnx", "model.onnx"));
  for (const name of ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]) {
    if (existsSync(join(files.directory, name))) symlinkSync(join(files.directory, name), join(transformersRoot, "model", name));
  }

  for (const k of KS) {
    await measure("cot-sc", k);
    if (files.splitCacheInt8Graph) await measure("cot-sc-int8", k);
    await measure("cot-sc-one-at-a-time", k, { sequentialChains: Math.min(k, SEQUENTIAL_CHAINS) });
    await measure("optimum", k);
    await measure("transformers-js", k, { transformersRoot });
    await measure("pytorch", k);
  }

  // ---- report
  const find = (contender: Contender, k: number): Row | undefined => rows.find((r) => r.contender === contender && r.k === k);
  const ratio = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) ? "n/a" : `${(a / b).toFixed(2)}×`;
  const number = (x: number | undefined, digits = 0): string => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits));
  const megabytes = (r: Row | undefined): string => number(r ? r.peakRssBytes / 2 ** 20 : undefined);
  const ceilingFlops = (ceiling.gflops ?? NaN) * 1e9;
  const utilisation = (k: number): number => ((find("cot-sc", k)?.tokensPerSecond ?? NaN) * flopsPerToken) / ceilingFlops;
  const k1 = find("cot-sc", 1)?.tokensPerSecond; // cot-sc's own k = 1
  // the roofline: per decode step of k rows, the FLOPs and the bytes that must move
  const kvBytesPerSlot = 2 * config.n_layer * config.n_embd * 4; // key and value, every layer, float32
  const weightBytes = 4 * matmulParameters;
  const prefixBytes = kvBytesPerSlot * promptIds.length;
  const rowBytes = kvBytesPerSlot * (NEW_TOKENS / 2);
  const bandwidthBytes = (bandwidth.gbPerSecond ?? NaN) * 1e9;
  const roofline = (k: number): { flops: number; bytes: number; boundBy: string; tokensPerSecond: number } => {
    const flops = k * flopsPerToken;
    const bytes = weightBytes + prefixBytes + k * rowBytes;
    const computeSeconds = flops / ceilingFlops;
    const memorySeconds = bytes / bandwidthBytes;
    return { flops, bytes, boundBy: computeSeconds >= memorySeconds ? "compute" : "memory", tokensPerSecond: k / Math.max(computeSeconds, memorySeconds) };
  };
  const rooflineShare = (k: number): number => (find("cot-sc", k)?.tokensPerSecond ?? NaN) / roofline(k).tokensPerSecond;

  const lines = [
    `Prompt: ${promptIds.length} tokens (a fixtures/hard.jsonl question); ${NEW_TOKENS} generated tokens per chain (EOS ignored), ` +
      `temperature 1; ${threads} threads each; best of ${REPEATS}+ runs (more while under ${MIN_SECONDS} s)${quick ? " (--quick)" : ""}. Model: ${files.directory}. Load average at start: ${loadAtStart.toFixed(2)} on ${availableParallelism()} cores.`,
    "",
    "Tokens per second (higher is better), and cot-sc's ratio to each:",
    "",
    "| k | cot-sc batched | one at a time | Optimum loop | Transformers.js | PyTorch loop | cot-sc / one at a time | cot-sc / Optimum | cot-sc / Transformers.js | cot-sc / PyTorch | cot-sc / its k = 1 | cot-sc int8 | int8 / float32 |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const k of KS) {
    const batched = find("cot-sc", k)?.tokensPerSecond;
    const others = (["cot-sc-one-at-a-time", "optimum", "transformers-js", "pytorch"] as const).map((c) => find(c, k)?.tokensPerSecond);
    const int8 = find("cot-sc-int8", k)?.tokensPerSecond;
    lines.push(
      `| ${k} | ${[batched, ...others].map((x) => number(x)).join(" | ")} | ${others.map((other) => ratio(batched, other)).join(" | ")} | ${ratio(batched, k1)} | ${number(int8)} | ${ratio(int8, batched)} |`,
    );
  }
  lines.push("", "Wall time per problem, ms (all k chains of one prompt; prefill included), and peak RSS, MB:", "");
  lines.push("| k | cot-sc | one at a time | Optimum loop | Transformers.js | PyTorch loop | cot-sc int8 | RSS cot-sc | RSS one at a time | RSS Optimum | RSS Transformers.js | RSS PyTorch | RSS cot-sc int8 |");
  lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  const contenders: Contender[] = ["cot-sc", "cot-sc-one-at-a-time", "optimum", "transformers-js", "pytorch", "cot-sc-int8"];
  for (const k of KS) {
    lines.push(`| ${k} | ${contenders.map((c) => number(find(c, k)?.wallMs)).join(" | ")} | ${contenders.map((c) => megabytes(find(c, k))).join(" | ")} |`);
  }
  lines.push(
    "",
    `Ceiling: ${number(ceiling.gflops, 1)} GFLOP/s (${ceiling.note ?? ceiling.error ?? ""}, onnxruntime, ${threads} threads; peak RSS ${megabytes(ceiling)} MB).`,
    `Decode work: ${(flopsPerToken / 1e6).toFixed(2)} MFLOP per token = 2 × ${matmulParameters} matmul parameters ` +
      `(${parameters} less the position table) + attention 4 × ${config.n_layer} layers × ${config.n_embd} × ${meanContext} mean context.`,
    "",
    "| k | cot-sc GFLOP/s | of the ceiling |",
    "|---|---|---|",
    ...KS.map((k) => `| ${k} | ${number(((find("cot-sc", k)?.tokensPerSecond ?? NaN) * flopsPerToken) / 1e9, 2)} | ${number(utilisation(k) * 100, 1)}% |`),
  );
  lines.push(
    "",
    `Roofline: memory ${number(bandwidth.gbPerSecond, 1)} GB/s (${bandwidth.note ?? bandwidth.error ?? ""}, ${threads} threads), compute the ceiling above. ` +
      `A decode step of k rows must do k × ${(flopsPerToken / 1e6).toFixed(2)} MFLOP and move the float32 weights once ` +
      `(${(weightBytes / 2 ** 20).toFixed(1)} MiB), the shared prompt's cache once (${(prefixBytes / 2 ** 20).toFixed(2)} MiB) and each row's ` +
      `generated cache (${(rowBytes / 2 ** 20).toFixed(2)} MiB at the mean ${NEW_TOKENS / 2} tokens); the bound is the slower of the two.`,
    "",
    "| k | MFLOP per step | MiB per step | FLOP per byte | bound by | roofline tokens/s | cot-sc tokens/s | of the roofline | cot-sc int8 tokens/s | int8 of this float32 roofline |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...KS.map((k) => {
      const r = roofline(k);
      const int8 = find("cot-sc-int8", k)?.tokensPerSecond;
      return `| ${k} | ${number(r.flops / 1e6, 1)} | ${number(r.bytes / 2 ** 20, 2)} | ${number(r.flops / r.bytes, 1)} | ${r.boundBy} | ${number(r.tokensPerSecond)} | ${number(find("cot-sc", k)?.tokensPerSecond)} | ${number(rooflineShare(k) * 100, 1)}% | ${number(int8)} | ${int8 === undefined ? "n/a" : `${number((int8 / r.tokensPerSecond) * 100, 1)}%`} |`;
    }),
    "",
    "The 8-bit graph moves about a quarter of the weight bytes and multiplies with int8 dot products, so the float32 bound above is not its own; " +
      "its share of it says how far it gets past what float32 weights allow.",
  );
  const at = (contender: Contender): number | undefined => find(contender, GOAL_K)?.tokensPerSecond;
  const goal = (name: string, value: number | undefined, target: number): { name: string; value: number | null; target: number; met: boolean } => ({
    name,
    value: value !== undefined && Number.isFinite(value) ? value : null,
    target,
    met: value !== undefined && Number.isFinite(value) && value >= target,
  });
  const c32 = at("cot-sc");
  const goals = [
    goal(`k = ${GOAL_K}: cot-sc / Transformers.js ≥ 3×`, c32 && at("transformers-js") ? c32 / at("transformers-js")! : undefined, 3),
    goal(`k = ${GOAL_K}: cot-sc / PyTorch loop ≥ 2×`, c32 && at("pytorch") ? c32 / at("pytorch")! : undefined, 2),
    goal(`k = ${GOAL_K}: cot-sc / its own k = 1 ≥ 4×`, c32 && k1 ? c32 / k1 : undefined, 4),
    goal(`k = ${GOAL_K}: decode ≥ 40% of the matmul ceiling`, utilisation(GOAL_K), 0.4),
    goal(`k = ${GOAL_K}: decode ≥ 50% of the roofline bound`, rooflineShare(GOAL_K), 0.5),
  ];
  lines.push("", "Goals:", "");
  for (const g of goals) {
    const shown = g.value === null ? "n/a" : g.target < 1 ? `${(g.value * 100).toFixed(1)}%` : `${g.value.toFixed(3)}×`;
    lines.push(`- ${g.met ? "met" : "NOT met"}: ${g.name} (measured ${shown})`);
  }
  const failed = rows.filter((r) => r.error);
  if (failed.length > 0) lines.push("", "Failed cases:", "", ...failed.map((r) => `- ${r.contender} k=${r.k}: ${r.error}`));
  const notes = [...new Set(rows.filter((r) => r.note && r.contender !== "matmul" && r.contender !== "bandwidth").map((r) => `${r.contender} k=${r.k}: ${r.note}`))];
  if (notes.length > 0) lines.push("", "Notes:", "", ...notes.map((n) => `- ${n}`));

  const report = lines.join("\n");
  process.stdout.write(`${report}\n`);
  const suffix = quick ? "-quick" : "";
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(
    join(root, `bench/results/speed${suffix}.json`),
    `${JSON.stringify(
      { date: new Date().toISOString(), quick, loadAtStart, modelDirectory: files.directory, checkpoint, threads, promptTokens: promptIds.length, newTokens: NEW_TOKENS, repeats: REPEATS, parameters, matmulParameters, flopsPerToken, ceilingGflops: ceiling.gflops ?? null, bandwidthGbPerSecond: bandwidth.gbPerSecond ?? null, goals, rows },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(root, `bench/results/speed${suffix}.md`), `# Speed\n\nMade by \`npm run bench:speed${quick ? " -- --quick" : ""}\`.\n\n${report}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * llama.cpp as a peer, on the same weights: the shipped model converted to GGUF by training/gguf.py, loaded
 * through node-llama-cpp, checked token for token against cot-sc's greedy decode, then timed.
 *
 *   npm run bench:llama-peer [-- --gguf FILE] [--type f32|f16|q8_0] [--tokens 64] [--threads 2]
 *                            [--kv f32|f16|both] [--timing-tokens 128] [--ks 1,8,32] [--no-timing]
 *
 * Without --gguf the checkpoint beside the model (pytorch_checkpoint.pt) is converted into a temporary file
 * with --type (default f32). The prompt is bench/speed.ts's (a fixtures/hard.jsonl question as
 * `Q: ...\nA: `), tokenized by cot-sc's tokenizer; llama.cpp is handed those token ids, never text.
 *
 * 1. Greedy identity: `--tokens` greedy tokens (EOS ignored) from cot-sc's scheduler at temperature 0 and
 *    from llama.cpp (temperature 0, each step's full distribution read back), for each KV cache type
 *    (llama.cpp's default is f16; f32 is the like-for-like one). Prints whether the ids are identical, else
 *    the first divergence with the logit margin there on both sides, and the smallest top-2 margin seen.
 * 2. Timing (unless --no-timing), for k = --ks: llama.cpp with k parallel sequences of the same prompt,
 *    each prefilled (all but the prompt's last token), then `--timing-tokens` decode steps of one token a
 *    sequence at temperature 1, flash attention off and on (KV cache f16, llama.cpp's default); cot-sc's
 *    `decode` of k chains in the same window. Prefill and decode are timed apart, best of two runs after a
 *    warm-up, and cot-sc's decode rate is printed as a ratio to each row's. Where the model directory has
 *    the 8-bit split-cache graph (training/quantize_int8.py), cot-sc is timed with it too, and its rate is a
 *    second ratio column.
 * 3. llama.cpp at its best: bench/llama_harness.c, a small C program over the same libllama that
 *    node-llama-cpp ships (compiled here with gcc against the llama.cpp sources node-llama-cpp carries as a
 *    git bundle), decoding from its main thread with ggml's own threadpool, one unified KV cache with the
 *    prompt's cells shared by the k sequences. Its greedy ids are checked against cot-sc's too (f32 cache,
 *    flash attention off), then it is timed like the rows above, at the run's threads and at one thread
 *    (ggml's threadpool hand-offs cost most at small k). Without gcc or git its rows say why.
 * Writes bench/results/llama-peer.{md,json} (llama-peer-TYPE.* for another --type, llama-peer-gguf.* with --gguf).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { getLlama, LlamaLogLevel, type LlamaContextOptions, type LlamaModel, type Token } from "node-llama-cpp";
import * as ort from "onnxruntime-node";

import { decode } from "../src/model/decoder.js";
import { loadModel } from "../src/model/loaded-model.js";
import { resolveModelDirectory, SHIPPED_MODEL } from "../src/model/model-dir.js";
import { Scheduler } from "../src/model/scheduler.js";
import { loadTokenizer } from "../src/tokenizer/index.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const { values: flags } = parseArgs({
  options: {
    gguf: { type: "string" },
    type: { type: "string", default: "f32" },
    model: { type: "string" },
    tokens: { type: "string", default: "64" },
    threads: { type: "string", default: "2" },
    kv: { type: "string", default: "both" },
    // why 128: at 32 a k = 1 run lasted about 40 ms and two runs of the same build differed by half, and the
    // caches stayed far shorter than a real chain's (250-600 tokens)
    "timing-tokens": { type: "string", default: "128" },
    ks: { type: "string", default: "1,8,32" },
    "no-timing": { type: "boolean", default: false },
  },
});
const modelDirectory = resolve(flags.model ?? process.env.COT_SC_MODEL ?? SHIPPED_MODEL);
const newTokens = Number(flags.tokens);
const threads = Number(flags.threads);
const timingTokens = Number(flags["timing-tokens"]);
const ks = flags.ks!.split(",").map(Number);
const kvTypes = flags.kv === "both" ? (["f32", "f16"] as const) : ([flags.kv === "f16" ? "f16" : "f32"] as const);
// Debian's python3 (python3-torch) runs the converter; COT_SC_PYTHON overrides it
const PYTHON = process.env.COT_SC_PYTHON ?? "/usr/bin/python3";

const question = (JSON.parse(readFileSync(join(root, "fixtures/hard.jsonl"), "utf8").split("\n")[1]!) as { question: string }).question;
const prompt = `Q: ${question}\nA: `;
const files = await resolveModelDirectory(modelDirectory);
const promptIds = (await loadTokenizer(files.directory)).encode(prompt);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
// other work on the machine skews the timings: say how busy it was when the run began
const loadAtStart = loadavg()[0]!;
log(`prompt: ${promptIds.length} tokens; load average at start ${loadAtStart.toFixed(2)}`);

let scratch: string | undefined;
let ggufPath = flags.gguf;
if (!ggufPath) {
  scratch = mkdtempSync(join(tmpdir(), "cot-sc-gguf-"));
  ggufPath = join(scratch, `model-${flags.type}.gguf`);
  execFileSync(PYTHON, [join(root, "training/gguf.py"), "--checkpoint", join(files.directory, "pytorch_checkpoint.pt"), "--out", ggufPath, "--type", flags.type!], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

// ---- the C harness over node-llama-cpp's libllama: built once in the scratch directory
const harnessScratch = mkdtempSync(join(tmpdir(), "cot-sc-llama-harness-"));
// both packages' entry points are dist/index.js (their package.json files are not exported)
const packageDirectory = (name: string): string => dirname(dirname(createRequire(import.meta.url).resolve(name)));
const llamaLibraries = (() => {
  try {
    const directory = join(packageDirectory("@node-llama-cpp/linux-x64"), "bins", "linux-x64");
    return existsSync(join(directory, "libllama.v0.4.0.so")) ? directory : undefined;
  } catch {
    return undefined;
  }
})();
const harness: { path?: string; error?: string } = (() => {
  if (!llamaLibraries) return { error: "node-llama-cpp's linux-x64 libraries (libllama.v0.4.0.so) are not installed" };
  try {
    // the llama.cpp sources node-llama-cpp builds from, for llama.h and ggml's headers
    const bundle = join(packageDirectory("node-llama-cpp"), "llama", "gitRelease.bundle");
    const sources = join(harnessScratch, "llama.cpp");
    execFileSync("git", ["clone", "--quiet", "--depth", "1", bundle, sources], { stdio: ["ignore", "ignore", "pipe"] });
    const path = join(harnessScratch, "llama_harness");
    execFileSync("gcc", ["-O2", "-o", path, join(root, "bench/llama_harness.c"), `-I${join(sources, "include")}`, `-I${join(sources, "ggml", "include")}`,
      `-L${llamaLibraries}`, "-l:libllama.v0.4.0.so", "-l:libggml.v0.4.0.so", "-l:libggml-base.so", `-Wl,-rpath,${llamaLibraries}`], { stdio: ["ignore", "ignore", "pipe"] });
    return { path };
  } catch (error) {
    return { error: `the C harness could not be built: ${((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim().split("\n").slice(-2).join(" ")}` };
  }
})();
log(harness.path ? "C harness built" : harness.error!);

interface HarnessResult {
  prefillMs: number;
  decodeMs: number;
  decodeTokensPerSecond: number;
  ids: number[];
}
function runHarness(k: number, tokens: number, flashAttention: boolean, kv: "f32" | "f16", repeats: number, greedy: boolean, harnessThreads = threads): HarnessResult {
  const stdout = execFileSync(
    harness.path!,
    [ggufPath!, promptIds.join(","), String(k), String(tokens), String(harnessThreads), flashAttention ? "1" : "0", kv, String(repeats), greedy ? "1" : "0"],
    { env: { ...process.env, LLAMA_HARNESS_LIBS: llamaLibraries! }, maxBuffer: 1 << 24 },
  ).toString();
  return JSON.parse(stdout.trim().split("\n").pop()!) as HarnessResult;
}

// ---- cot-sc: the greedy chain, and (for a divergence) the full logits after a given prefix
async function cotScGreedy(): Promise<{ ids: number[]; logprobs: number[] }> {
  const model = await loadModel(modelDirectory, { graph: "split-cache", session: { intraOpThreads: threads } });
  // the scheduler itself, as `decode` runs it: `decode` does not pass `logprobs` on to it
  const scheduler = new Scheduler(model, { maxRows: 1, continuous: false });
  try {
    const { chains } = await scheduler.submit(
      {
        promptIds,
        count: 1,
        seed: 1,
        firstIndex: 0,
        maxTokens: newTokens,
        sampling: { temperature: 0, topK: 0, topP: 1 },
        stop: [],
        stopAtAnswerLine: false,
        ignoreEos: true,
        logprobs: true,
      },
      { aborted: () => false },
    );
    return { ids: chains[0]!.tokenIds!, logprobs: chains[0]!.tokenLogprobs! };
  } finally {
    await scheduler.close();
    await model.close();
  }
}

/** The Optimum graph's last-position logits for these ids, prefilled at once with an empty past. */
async function cotScLogits(ids: readonly number[]): Promise<Float32Array> {
  const config = JSON.parse(readFileSync(join(files.directory, "config.json"), "utf8")) as { n_layer: number; n_head: number; n_embd: number };
  const session = await ort.InferenceSession.create(files.optimumGraph!, { intraOpNumThreads: threads });
  const n = ids.length;
  const int64 = (values: number[]): BigInt64Array => BigInt64Array.from(values.map(BigInt));
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", int64([...ids]), [1, n]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    position_ids: new ort.Tensor("int64", int64([...Array(n).keys()]), [1, n]),
  };
  const empty = [1, config.n_head, 0, config.n_embd / config.n_head];
  for (let i = 0; i < config.n_layer; i++) {
    feeds[`past_key_values.${i}.key`] = new ort.Tensor("float32", new Float32Array(0), empty);
    feeds[`past_key_values.${i}.value`] = new ort.Tensor("float32", new Float32Array(0), empty);
  }
  const logits = (await session.run(feeds)).logits!;
  const vocab = logits.dims[2]!;
  const row = (logits.data as Float32Array).slice((n - 1) * vocab, n * vocab);
  await session.release();
  return row;
}

// ---- llama.cpp through node-llama-cpp
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model: LlamaModel = await llama.loadModel({ modelPath: ggufPath, gpuLayers: 0 });
const contextSize = promptIds.length + Math.max(newTokens, timingTokens) + 16;

function kvOptions(kv: "f32" | "f16"): Partial<LlamaContextOptions> {
  return kv === "f32" ? { experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32" } : {};
}

interface LlamaStep {
  token: number;
  /** log p of every token that matters here, from llama.cpp's softmax over the raw logits (temperature 0). */
  logprobs: Map<number, number>;
}

/** Greedy steps, each step's full distribution read back (probabilities at temperature 0 are the plain softmax). */
async function llamaGreedy(kv: "f32" | "f16", flashAttention: boolean): Promise<LlamaStep[]> {
  const context = await model.createContext({ sequences: 1, contextSize, threads, flashAttention, ...kvOptions(kv) });
  try {
    const sequence = context.getSequence();
    const steps: LlamaStep[] = [];
    const generate = { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } };
    let input: Parameters<typeof sequence.controlledEvaluate>[0] = promptIds.map((id, i) => (i === promptIds.length - 1 ? [id as Token, generate] : (id as Token)));
    while (steps.length < newTokens) {
      const output = await sequence.controlledEvaluate(input);
      const next = output[input.length - 1]!.next;
      const logprobs = new Map([...next.probabilities!].map(([token, p]) => [token as number, Math.log(p)]));
      steps.push({ token: next.token!, logprobs });
      input = [[next.token!, generate]];
    }
    return steps;
  } finally {
    await context.dispose();
  }
}

function topTwo(logprobs: Map<number, number>): [number, number] {
  const sorted = [...logprobs.values()].sort((a, b) => b - a);
  return [sorted[0]!, sorted[1] ?? -Infinity];
}

const cotSc = await cotScGreedy();
log(`cot-sc greedy: ${cotSc.ids.length} tokens`);
const identity: Record<string, unknown>[] = [];
for (const kv of kvTypes) {
  for (const flashAttention of [false, true]) {
    const steps = await llamaGreedy(kv, flashAttention);
    const ids = steps.map((s) => s.token);
    const first = ids.findIndex((id, i) => id !== cotSc.ids[i]);
    // where the two agree: how far llama.cpp's log-prob of the chosen token is from cot-sc's
    let worstLogprob = 0;
    let smallestMargin = { step: -1, margin: Infinity };
    for (let i = 0; i < (first === -1 ? ids.length : first); i++) {
      worstLogprob = Math.max(worstLogprob, Math.abs(steps[i]!.logprobs.get(ids[i]!)! - cotSc.logprobs[i]!));
      const [a, b] = topTwo(steps[i]!.logprobs);
      if (a - b < smallestMargin.margin) smallestMargin = { step: i, margin: a - b };
    }
    const row: Record<string, unknown> = {
      gguf: flags.gguf ?? flags.type,
      kvCache: kv,
      flashAttention,
      tokens: ids.length,
      identical: first === -1,
      maxLogprobDifference: Number(worstLogprob.toExponential(2)),
      smallestTop2Margin: { step: smallestMargin.step, logits: Number(smallestMargin.margin.toFixed(4)) },
    };
    if (first !== -1) {
      const theirs = ids[first]!;
      const ours = cotSc.ids[first]!;
      const logits = await cotScLogits([...promptIds, ...cotSc.ids.slice(0, first)]);
      const llamaLogprobs = steps[first]!.logprobs;
      row.firstDivergence = {
        step: first,
        cotSc: ours,
        llama: theirs,
        // positive: each side prefers its own token by this many logits
        cotScMargin: Number((logits[ours]! - logits[theirs]!).toFixed(5)),
        llamaMargin: Number((llamaLogprobs.get(theirs)! - llamaLogprobs.get(ours)!).toFixed(5)),
      };
    }
    identity.push(row);
    log(JSON.stringify(row));
  }
}

// the C harness: greedy ids only (it reads no distributions back), f32 cache, flash attention off
const harnessIdentity: { identical: boolean; tokens: number; firstDivergence: number } | { error: string } = harness.path
  ? (() => {
      const ids = runHarness(1, newTokens, false, "f32", 0, true).ids;
      const first = ids.findIndex((id, i) => id !== cotSc.ids[i]);
      return { identical: first === -1, tokens: ids.length, firstDivergence: first };
    })()
  : { error: harness.error! };
log(`C harness greedy: ${JSON.stringify(harnessIdentity)}`);

// ---- timing: k sequences of the same prompt; prefill, then decode, timed apart
interface Timing {
  engine: "llama.cpp" | "llama.cpp C harness" | "cot-sc" | "cot-sc int8";
  k: number;
  /** llama.cpp only. */
  flashAttention?: boolean;
  /** The C harness's threads, where not the run's `--threads`. */
  threads?: number;
  /** The k prompts' prefill (cot-sc prefills a prompt once for all its chains; llama.cpp once per sequence). */
  prefillMs: number;
  decodeTokensPerSecond: number;
}
const TIMED_RUNS = 2;
const timingSampling = { temperature: 1, topK: 0, topP: 1 };

async function timeLlama(k: number, flashAttention: boolean): Promise<Timing> {
  const context = await model.createContext({ sequences: k, contextSize, threads, flashAttention });
  try {
    const sequences = Array.from({ length: k }, () => context.getSequence());
    const head = promptIds.slice(0, -1) as Token[];
    const run = async (tokens: number): Promise<{ prefillMs: number; decodeMs: number }> => {
      await Promise.all(sequences.map((s) => s.clearHistory()));
      const started = performance.now();
      // node-llama-cpp gathers the sequences' pending tokens into shared batches (up to batchSize tokens each)
      await Promise.all(sequences.map((s) => s.evaluateWithoutGeneratingNewTokens(head)));
      const prefilled = performance.now();
      // one step: every sequence's next token queued in the same tick, so one llama_decode serves all k
      let next = sequences.map(() => promptIds[promptIds.length - 1]! as Token);
      for (let step = 0; step < tokens; step++) {
        const outputs = await Promise.all(
          sequences.map((s, i) => s.controlledEvaluate([[next[i]!, { generateNext: { token: true, options: { ...timingSampling, seed: 1 + i } } }]])),
        );
        next = outputs.map((output) => output[0]!.next.token!);
      }
      return { prefillMs: prefilled - started, decodeMs: performance.now() - prefilled };
    };
    await run(Math.min(8, timingTokens)); // warm-up
    let best = { prefillMs: Infinity, decodeMs: Infinity };
    for (let r = 0; r < TIMED_RUNS; r++) {
      const measured = await run(timingTokens);
      best = { prefillMs: Math.min(best.prefillMs, measured.prefillMs), decodeMs: Math.min(best.decodeMs, measured.decodeMs) };
    }
    return { engine: "llama.cpp", k, flashAttention, prefillMs: best.prefillMs, decodeTokensPerSecond: (k * timingTokens) / (best.decodeMs / 1000) };
  } finally {
    await context.dispose();
  }
}

/** cot-sc in the same window: `decode` of k chains after one shared prefill; decode = a long job less a one-token job. */
async function timeCotSc(k: number, graph: "split-cache" | "split-cache-int8" = "split-cache"): Promise<Timing> {
  const cotScModel = await loadModel(modelDirectory, { graph, session: { intraOpThreads: threads } });
  try {
    const job = async (maxTokens: number, seed: number): Promise<number> => {
      const started = performance.now();
      await decode(
        cotScModel,
        { groups: [{ promptIds, count: k, seed, firstIndex: 0 }], maxTokens, sampling: timingSampling, stop: [], stopAtAnswerLine: false, ignoreEos: true },
        { aborted: () => false },
      );
      return performance.now() - started;
    };
    await job(Math.min(8, timingTokens), 99); // warm-up
    let prefillMs = Infinity;
    let totalMs = Infinity;
    for (let r = 0; r < TIMED_RUNS; r++) {
      // the first token comes from the prefill's logits: a one-token job is the prefill alone
      prefillMs = Math.min(prefillMs, await job(1, 1));
      totalMs = Math.min(totalMs, await job(timingTokens + 1, 1));
    }
    return { engine: graph === "split-cache" ? "cot-sc" : "cot-sc int8", k, prefillMs, decodeTokensPerSecond: (k * timingTokens) / ((totalMs - prefillMs) / 1000) };
  } finally {
    await cotScModel.close();
  }
}

/** `harnessThreads` below `threads`: a small batch may decode faster without the threadpool's hand-offs. */
function timeHarness(k: number, flashAttention: boolean, harnessThreads = threads): Timing {
  const result = runHarness(k, timingTokens, flashAttention, "f16", TIMED_RUNS, false, harnessThreads);
  return { engine: "llama.cpp C harness", k, flashAttention, threads: harnessThreads, prefillMs: result.prefillMs, decodeTokensPerSecond: result.decodeTokensPerSecond };
}

const timings: Timing[] = [];
if (!flags["no-timing"]) {
  for (const k of ks) {
    const harnessRows = harness.path ? [timeHarness(k, false), timeHarness(k, true), ...(threads > 1 ? [timeHarness(k, false, 1), timeHarness(k, true, 1)] : [])] : [];
    const int8 = files.splitCacheInt8Graph ? [await timeCotSc(k, "split-cache-int8")] : [];
    for (const timing of [await timeCotSc(k), ...int8, await timeLlama(k, false), await timeLlama(k, true), ...harnessRows]) {
      timings.push(timing);
      log(JSON.stringify(timing));
    }
  }
}

await model.dispose();
await llama.dispose();
if (scratch) rmSync(scratch, { recursive: true, force: true });
rmSync(harnessScratch, { recursive: true, force: true });

const lines = [
  `llama.cpp (node-llama-cpp, ${flags.gguf ?? `${flags.type} GGUF`}) against cot-sc, ${threads} threads, prompt ${promptIds.length} tokens, load average ${loadAtStart.toFixed(2)} at start`,
  "",
  "| KV cache | flash attention | greedy tokens | identical | first divergence (step: cot-sc / llama.cpp, margins) | smallest top-2 margin | max \\|Δ log p\\| |",
  "|---|---|---|---|---|---|---|",
  ...identity.map((row) => {
    const divergence = row.firstDivergence as { step: number; cotSc: number; llama: number; cotScMargin: number; llamaMargin: number } | undefined;
    const margin = row.smallestTop2Margin as { step: number; logits: number };
    return `| ${row.kvCache} | ${row.flashAttention ? "on" : "off"} | ${row.tokens} | ${row.identical ? "yes" : "no"} | ${
      divergence ? `${divergence.step}: ${divergence.cotSc} / ${divergence.llama}, ${divergence.cotScMargin} / ${divergence.llamaMargin}` : "—"
    } | ${margin.logits} at step ${margin.step} | ${row.maxLogprobDifference} |`;
  }),
  "",
  "identical" in harnessIdentity
    ? `C harness (libllama from the main thread), f32 cache, flash attention off: ${harnessIdentity.tokens} greedy tokens ${
        harnessIdentity.identical ? "identical to cot-sc's" : `differ from cot-sc's from step ${harnessIdentity.firstDivergence}`
      }`
    : `C harness: ${harnessIdentity.error}`,
];
if (timings.length > 0) {
  lines.push(
    "",
    `| k | engine | prefill of the k prompts (ms) | decode tokens/s (${timingTokens} new tokens a sequence) | cot-sc ÷ this | cot-sc int8 ÷ this |`,
    "|---|---|---|---|---|---|",
  );
  for (const t of timings) {
    const cotSc = timings.find((c) => c.engine === "cot-sc" && c.k === t.k)!;
    const int8 = timings.find((c) => c.engine === "cot-sc int8" && c.k === t.k);
    const name =
      t.engine === "cot-sc" || t.engine === "cot-sc int8"
        ? `${t.engine}${t.engine === "cot-sc int8" ? " (8-bit weights)" : ""}`
        : `${t.engine === "llama.cpp" ? "llama.cpp (node-llama-cpp)" : `llama.cpp (C harness, main thread${t.threads !== undefined && t.threads !== threads ? `, ${t.threads} thread${t.threads === 1 ? "" : "s"}` : ""})`}, flash attention ${t.flashAttention ? "on" : "off"}`;
    const int8Ratio = int8 ? (int8.decodeTokensPerSecond / t.decodeTokensPerSecond).toFixed(2) : "n/a";
    lines.push(`| ${t.k} | ${name} | ${t.prefillMs.toFixed(1)} | ${t.decodeTokensPerSecond.toFixed(0)} | ${(cotSc.decodeTokensPerSecond / t.decodeTokensPerSecond).toFixed(2)} | ${int8Ratio} |`);
  }
}
const json = JSON.stringify({ date: new Date().toISOString(), promptTokens: promptIds.length, threads, loadAtStart, identity, harnessIdentity, timings });
process.stdout.write(`${lines.join("\n")}\n${json}\n`);
mkdirSync(join(root, "bench/results"), { recursive: true });
// a run on another GGUF type (or file) keeps its own results beside the f32 one
const suffix = flags.gguf ? "-gguf" : flags.type === "f32" ? "" : `-${flags.type}`;
const given = process.argv.slice(2).join(" ");
writeFileSync(join(root, `bench/results/llama-peer${suffix}.md`), `# llama.cpp as a peer\n\nMade by \`npm run bench:llama-peer${given ? ` -- ${given}` : ""}\`.\n\n${lines.join("\n")}\n`);
writeFileSync(join(root, `bench/results/llama-peer${suffix}.json`), `${json}\n`);

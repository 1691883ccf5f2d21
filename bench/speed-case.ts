/**
 * One contender of `npm run bench:speed`, in a process of its own so that its peak RSS is its own.
 * bench/speed.ts runs it; by hand:
 *
 *   node --import tsx bench/speed-case.ts '{"contender":"cot-sc","k":8,"modelDirectory":"/tmp/m0",...}'
 *
 * Loads, warms up (a short run at the same batch), then times `repeats` runs and keeps the best; model
 * load and warm-up are not timed. Prints one JSON object (a {@link CaseResult}) on stdout.
 */
import * as ort from "onnxruntime-node";

import { decode } from "../src/model/decoder.js";
import { loadModel, type LoadedModel } from "../src/model/loaded-model.js";

/** What bench/speed.ts asks of one case. */
export interface CaseRequest {
  contender: "cot-sc" | "cot-sc-int8" | "cot-sc-one-at-a-time" | "optimum" | "transformers-js" | "matmul" | "bandwidth";
  k: number;
  modelDirectory: string;
  promptIds: number[];
  newTokens: number;
  /** Timed runs: at least this many, more (up to 10) while they add up to less than minSeconds. */
  repeats: number;
  minSeconds: number;
  threads: number;
  /** one-at-a-time: run this many of the k chains (at most k) and scale the time to k chains. */
  sequentialChains?: number;
  /** transformers-js: a directory laid out the way Transformers.js expects, holding the model as "model". */
  transformersRoot?: string;
  /** matmul: the graph written by bench/matmul_graph.py, and its size. */
  matmulGraph?: string;
  matmulSize?: number;
  matmulSeconds?: number;
  /** bandwidth: the graph written by bench/reduce_graph.py, and how many float32 values it sums. */
  reduceGraph?: string;
  reduceSize?: number;
}

export interface CaseResult {
  generatedTokens: number;
  wallMs: number;
  peakRssBytes: number;
  /** matmul only: the best single run's rate. */
  gflops?: number;
  /** bandwidth only: the best single run's rate, bytes read per second / 1e9. */
  gbPerSecond?: number;
  note?: string;
}

const request = JSON.parse(process.argv[2] ?? "{}") as CaseRequest;
const sampling = { temperature: 1, topK: 0, topP: 1 };

async function best(run: () => Promise<number>): Promise<{ generatedTokens: number; wallMs: number }> {
  let wallMs = Infinity;
  let generatedTokens = 0;
  let spent = 0;
  // short cases get more runs: one run of a few milliseconds is mostly noise on a shared machine
  for (let r = 0; r < request.repeats || (spent < request.minSeconds * 1000 && r < 10); r++) {
    const started = performance.now();
    generatedTokens = await run();
    const elapsed = performance.now() - started;
    wallMs = Math.min(wallMs, elapsed);
    spent += elapsed;
  }
  return { generatedTokens, wallMs };
}

async function cotSc(model: LoadedModel, count: number, maxTokens: number, seed: number): Promise<number> {
  const result = await decode(
    model,
    {
      groups: [{ promptIds: request.promptIds, count, seed, firstIndex: 0 }],
      maxTokens,
      sampling,
      stop: [],
      stopAtAnswerLine: false,
      ignoreEos: true,
    },
    { aborted: () => false },
  );
  return result.generatedTokens;
}

async function runCotSc(graph: "split-cache" | "split-cache-int8" | "optimum"): Promise<CaseResult> {
  const model = await loadModel(request.modelDirectory, { graph, session: { intraOpThreads: request.threads } });
  await cotSc(model, request.k, Math.min(8, request.newTokens), 99); // warm-up: first runs allocate and tune
  const measured = await best(() => cotSc(model, request.k, request.newTokens, 1));
  await model.close();
  return { ...measured, peakRssBytes: 0 };
}

async function runOneAtATime(): Promise<CaseResult> {
  const model = await loadModel(request.modelDirectory, { graph: "split-cache", session: { intraOpThreads: request.threads } });
  await cotSc(model, 1, Math.min(8, request.newTokens), 99);
  const chains = Math.min(request.k, request.sequentialChains ?? request.k);
  const measured = await best(async () => {
    let tokens = 0;
    // each chain is its own job: its own prefill, its own decode, as a caller without batching would do
    for (let i = 0; i < chains; i++) tokens += await cotSc(model, 1, request.newTokens, 1 + i);
    return tokens;
  });
  await model.close();
  const scale = request.k / chains;
  const result: CaseResult = { generatedTokens: measured.generatedTokens * scale, wallMs: measured.wallMs * scale, peakRssBytes: 0 };
  if (chains < request.k) result.note = `${chains} of ${request.k} chains run, time scaled ×${scale}`;
  return result;
}

async function runTransformersJs(): Promise<CaseResult> {
  // imported here, not at the top: the other cases must not pay for (or count in their RSS) this library
  const { AutoModelForCausalLM, Tensor, env } = await import("@huggingface/transformers");
  env.allowRemoteModels = false;
  env.localModelPath = request.transformersRoot!;
  const model = await AutoModelForCausalLM.from_pretrained("model", {
    dtype: "fp32",
    device: "cpu",
    session_options: { intraOpNumThreads: request.threads, interOpNumThreads: 1 },
  });
  const k = request.k;
  const length = request.promptIds.length;
  // the same token ids as the other contenders, k copies of the prompt (it has no num_return_sequences)
  const ids = new BigInt64Array(k * length);
  for (let row = 0; row < k; row++) for (let i = 0; i < length; i++) ids[row * length + i] = BigInt(request.promptIds[i]!);
  const generate = async (newTokens: number): Promise<number> => {
    const output = (await model.generate({
      input_ids: new Tensor("int64", ids, [k, length]),
      attention_mask: new Tensor("int64", new BigInt64Array(k * length).fill(1n), [k, length]),
      do_sample: true,
      temperature: 1,
      top_k: 0,
      top_p: 1,
      max_new_tokens: newTokens,
      min_new_tokens: newTokens, // suppresses EOS until then: the same token count as the others
    } as Parameters<typeof model.generate>[0])) as { dims: number[] };
    return output.dims[0]! * (output.dims[1]! - length);
  };
  await generate(Math.min(8, request.newTokens));
  const measured = await best(() => generate(request.newTokens));
  await model.dispose();
  return { ...measured, peakRssBytes: 0 };
}

/**
 * One input "A" through a one-node graph, timed for `matmulSeconds`: the best single run (on a shared
 * machine the others are the same work, interrupted) and how many ran.
 */
async function bestSingleRun(graph: string, a: Float32Array, dims: number[]): Promise<{ bestMs: number; runs: number }> {
  const session = await ort.InferenceSession.create(graph, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: request.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const feeds = { A: new ort.Tensor("float32", a, dims) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  let bestMs = Infinity;
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < (request.matmulSeconds ?? 2) * 1000) {
    const t = performance.now();
    await session.run(feeds);
    bestMs = Math.min(bestMs, performance.now() - t);
    runs++;
  }
  await session.release();
  return { bestMs, runs };
}

async function runMatmul(): Promise<CaseResult> {
  const n = request.matmulSize!;
  const a = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
  const { bestMs, runs } = await bestSingleRun(request.matmulGraph!, a, [n, n]);
  return { generatedTokens: 0, wallMs: bestMs, peakRssBytes: 0, gflops: (2 * n ** 3) / (bestMs / 1000) / 1e9, note: `${n}×${n} by ${n}×${n}, best of ${runs} runs` };
}

/** One ReduceSum over a buffer far larger than the caches: the rate memory is read at. */
async function runBandwidth(): Promise<CaseResult> {
  const n = request.reduceSize!;
  // written once, so that every page is resident before the timing
  const { bestMs, runs } = await bestSingleRun(request.reduceGraph!, new Float32Array(n).fill(1), [n]);
  const megabytes = (4 * n) / 2 ** 20;
  return { generatedTokens: 0, wallMs: bestMs, peakRssBytes: 0, gbPerSecond: (4 * n) / (bestMs / 1000) / 1e9, note: `ReduceSum over ${megabytes.toFixed(0)} MiB, best of ${runs} runs` };
}

const runners: Record<CaseRequest["contender"], () => Promise<CaseResult>> = {
  "cot-sc": () => runCotSc("split-cache"),
  "cot-sc-int8": () => runCotSc("split-cache-int8"),
  optimum: () => runCotSc("optimum"),
  "cot-sc-one-at-a-time": runOneAtATime,
  "transformers-js": runTransformersJs,
  matmul: runMatmul,
  bandwidth: runBandwidth,
};
const runner = runners[request.contender];
if (!runner) throw new Error(`unknown contender ${String(request.contender)}`);
const result = await runner();
result.peakRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify(result)}\n`);

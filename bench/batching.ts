/**
 * Continuous batching against run-to-completion batches, side by side in one process on the shipped
 * model (ratios within one run are the point; the machine is shared and noisy).
 *
 *   npm run bench:batching [-- --quick]      (also run by `npm run bench:throughput`)
 *
 * (a) A problem set: `engine.run(hard problems, { samples: 20, concurrency: 4 })`, end-to-end tokens/s
 *     and mean live rows per decode step (of the 64-row budget).
 * (b) A stream of single `sample` requests (8 chains each) arriving at random times (exponential gaps,
 *     seeded): tokens/s, latency p50 / p99, and how long requests waited before decoding began (in
 *     run-to-completion mode a request that arrives mid-batch waits for the whole batch). Twice: at an
 *     offered load of half the capacity (a) measured, in tokens/s (the gap follows from (a)'s tokens/s and
 *     tokens per chain), where no request should wait for another; and overloaded (a fixed 250 ms mean
 *     gap, several times the capacity), where requests queue for rows whatever the policy.
 * Each case runs every mode, one after another, on backends loaded once; continuous batching runs with
 * today's lane rule and with the earlier one (a group joined a lane only under 64 slots). Writes
 * bench/results/batching{-quick}.{json,md}.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

import { createOnnxBackend, type OnnxBackend } from "../src/backends/onnx.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";
import type { Problem } from "../src/problems/problem.js";
import { createEngine } from "../src/engine.js";

const quick = process.argv.includes("--quick");
const PROBLEMS = quick ? 8 : 40;
const REQUESTS = quick ? 8 : 24;
const OVERLOADED_GAP_MS = 250;
// why half: exponential arrivals bunch, so at a mean load near capacity the queue would grow by chance alone
const LOAD = 0.5;
const ROWS = 64;
const SET_CHAINS = 20; // chains per problem in (a)
const REQUEST_CHAINS = 8; // chains per request in (b)
// (a) also runs continuous batching in one lane (every row in one batch, as before lanes), to show what
// the lanes add; (b) compares the two policies
// lane rules (SchedulerOptions.joinRowSlots): the default; "wide-lanes" joins up to 3,400 row-slots; in (b)
// "earlier-lanes" is the rule before 0015a69 (a group joined a lane only under 64 slots, whatever its size:
// joinRowSlots 64 × 8 for (b)'s 8-row requests; for (a)'s 20-row groups it is the default, 64 × 20)
const setModes = ["job", "one-lane", "continuous", "wide-lanes"] as const;
const modes = ["job", "earlier-lanes", "continuous", "wide-lanes"] as const;
type Mode = (typeof setModes)[number] | (typeof modes)[number];
const MODE_NAMES: Record<Mode, string> = {
  job: "run to completion",
  "one-lane": "continuous, one lane",
  "earlier-lanes": "continuous (lanes, earlier rule: join under 64 slots)",
  continuous: "continuous (lanes, join under 1,280 row-slots: the default)",
  "wide-lanes": "continuous (lanes, join under 3,400 row-slots)",
};

const problems: Problem[] = readFileSync(new URL("../fixtures/hard.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .slice(0, PROBLEMS)
  .map((line, i) => {
    const record = JSON.parse(line) as { id?: string; question: string; answer?: string };
    return { id: record.id ?? String(i), question: record.question, gold: null };
  });

const backends = {} as Record<(typeof setModes)[number], OnnxBackend>;
for (const mode of setModes) {
  backends[mode] = await createOnnxBackend(SHIPPED_MODEL, { batching: mode === "job" ? "job" : "continuous", maxBatchRows: ROWS, ...(mode === "one-lane" ? { maxBatchLanes: 1 } : {}), ...(mode === "wide-lanes" ? { joinRowSlots: 3400 } : {}) });
}
// (b)'s requests are REQUEST_CHAINS rows each, so there the earlier rule is 64 × REQUEST_CHAINS
const streamBackends: Record<Mode, OnnxBackend> = {
  ...backends,
  "earlier-lanes": await createOnnxBackend(SHIPPED_MODEL, { batching: "continuous", maxBatchRows: ROWS, joinRowSlots: 64 * REQUEST_CHAINS }),
};

async function problemSet(mode: (typeof setModes)[number]): Promise<{ tokensPerSecond: number; tokensPerChain: number; meanLiveRows: number; meanAttendedSlots: number; runsPerStep: number; wallSeconds: number }> {
  const backend = backends[mode];
  const engine = await createEngine({ backend });
  const before = await backend.stats();
  const started = performance.now();
  let tokens = 0;
  for await (const result of engine.run(problems, { samples: SET_CHAINS, concurrency: 4 })) tokens += result.usage.generatedTokens;
  const wall = (performance.now() - started) / 1000;
  const after = await backend.stats();
  await engine.close();
  const rowSteps = after.rowSteps - before.rowSteps;
  return {
    tokensPerSecond: tokens / wall,
    tokensPerChain: tokens / (problems.length * SET_CHAINS),
    meanLiveRows: rowSteps / (after.steps - before.steps),
    // why: what a row's attention spans per step (shared prefix + generated slots): the part of a step's
    // cost that batching policy changes besides the row count
    meanAttendedSlots: (after.slotSteps - before.slotSteps) / rowSteps,
    runsPerStep: (after.runs - before.runs) / (after.steps - before.steps),
    wallSeconds: wall,
  };
}

// seeded exponential gaps (a small LCG: the same arrival times in both modes)
function arrivals(count: number, seed: number, meanGapMs: number): number[] {
  let state = seed >>> 0;
  const uniform = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const times: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    times.push(t);
    t += -Math.log(uniform()) * meanGapMs;
  }
  return times;
}

async function stream(mode: Mode, meanGapMs: number): Promise<{ tokensPerSecond: number; p50: number; p99: number; maxQueueMs: number; meanQueueMs: number; waited: number; meanLiveRows: number; runsPerStep: number; meanAttendedSlots: number; stepMsPerRow: number; admitSeconds: number }> {
  const engine = await createEngine({ backend: streamBackends[mode] });
  const before = await streamBackends[mode].stats();
  const times = arrivals(REQUESTS, 7, meanGapMs);
  const started = performance.now();
  const results = await Promise.all(
    times.map(async (at, i) => {
      await new Promise((resolve) => setTimeout(resolve, at));
      const sent = performance.now();
      const result = await engine.sample(problems[i % problems.length]!.question, { samples: REQUEST_CHAINS, seed: i });
      return { latency: performance.now() - sent, tokens: result.usage.generatedTokens, queueMs: result.usage.queueMs ?? 0 };
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const after = await streamBackends[mode].stats();
  await engine.close();
  const steps = after.steps - before.steps;
  const latencies = results.map((r) => r.latency).sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  const queues = results.map((r) => r.queueMs);
  return {
    tokensPerSecond: results.reduce((sum, r) => sum + r.tokens, 0) / wall,
    p50: at(0.5),
    p99: at(0.99),
    maxQueueMs: Math.max(...queues),
    meanQueueMs: queues.reduce((a, b) => a + b, 0) / queues.length,
    // a request "waited for another" when it sat in the queue longer than a few decode steps
    waited: queues.filter((q) => q > 100).length,
    meanLiveRows: (after.rowSteps - before.rowSteps) / steps,
    runsPerStep: (after.runs - before.runs) / steps,
    meanAttendedSlots: (after.slotSteps - before.slotSteps) / (after.rowSteps - before.rowSteps),
    // why: what a row's token costs in graph time: fuller batches pay only if this falls
    stepMsPerRow: (after.loopMs.step - before.loopMs.step) / (after.rowSteps - before.rowSteps),
    admitSeconds: (after.loopMs.admit - before.loopMs.admit) / 1000,
  };
}

// warm-up: first runs allocate and tune
for (const backend of new Set([...Object.values(backends), ...Object.values(streamBackends)])) await backend.sampleChains({ prompt: "Q: 1+1?\nA: ", count: 4, maxTokens: 16, temperature: 1, topK: 0, topP: 1, seed: 1, stop: [] });

const setRows: Record<(typeof setModes)[number], Awaited<ReturnType<typeof problemSet>>> = {} as never;
type StreamRow = Awaited<ReturnType<typeof stream>>;
const streamRows: Record<"under" | "over", Record<Mode, StreamRow>> = { under: {} as never, over: {} as never };
for (const mode of setModes) {
  setRows[mode] = await problemSet(mode);
  process.stderr.write(`(a) ${mode}: ${setRows[mode].tokensPerSecond.toFixed(0)} tokens/s, mean live rows ${setRows[mode].meanLiveRows.toFixed(1)}, mean attended slots ${setRows[mode].meanAttendedSlots.toFixed(0)}\n`);
}
// the gap that offers LOAD × the capacity (a) measured, in tokens: a request is REQUEST_CHAINS chains of (a)'s mean length
const capacity = Math.min(...setModes.map((m) => setRows[m].tokensPerSecond));
const requestTokens = REQUEST_CHAINS * setRows.continuous.tokensPerChain;
const gaps = { under: (1000 * requestTokens) / (LOAD * capacity), over: OVERLOADED_GAP_MS };
for (const load of ["under", "over"] as const) {
  for (const mode of modes) {
    const row = (streamRows[load][mode] = await stream(mode, gaps[load]));
    process.stderr.write(`(b) ${load} ${mode}: p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, max queue ${row.maxQueueMs.toFixed(0)} ms\n`);
  }
}
const offered = (gapMs: number): number => (1000 * requestTokens) / gapMs;
for (const backend of new Set([...Object.values(backends), ...Object.values(streamBackends)])) await backend.close();

const a = setRows;
const b = streamRows;
const table = [
  `(a) \`engine.run\` on the first ${PROBLEMS} problems of fixtures/hard.jsonl, ${SET_CHAINS} chains each, concurrency 4, row budget ${ROWS}`,
  "",
  "| batching | tokens/s | vs run to completion | mean live rows per step | of the budget | mean slots a row attends per step (prefix + generated) | graph runs per step | wall s |",
  "|---|---|---|---|---|---|---|---|",
  ...setModes.map(
    (m) =>
      `| ${MODE_NAMES[m]} | ${a[m].tokensPerSecond.toFixed(0)} | ${(a[m].tokensPerSecond / a.job.tokensPerSecond).toFixed(2)}× | ${a[m].meanLiveRows.toFixed(1)} | ${((100 * a[m].meanLiveRows) / ROWS).toFixed(0)}% | ${a[m].meanAttendedSlots.toFixed(0)} | ${a[m].runsPerStep.toFixed(2)} | ${a[m].wallSeconds.toFixed(1)} |`,
  ),
  "",
  `(b) ${REQUESTS} single \`sample\` requests (${REQUEST_CHAINS} chains each, about ${requestTokens.toFixed(0)} tokens) at random times; capacity from (a): ${capacity.toFixed(0)} tokens/s`,
  "",
  "| offered load | batching | tokens/s | latency p50 ms | latency p99 ms | mean wait before decoding ms | longest wait ms | requests that waited > 100 ms | mean live rows per step | graph runs per step | mean slots a row attends | graph ms per row and step | s admitting (prefill, cache) |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...(["under", "over"] as const).flatMap((load) =>
    modes.map(
      (m) =>
        `| ${((100 * offered(gaps[load])) / capacity).toFixed(0)}% (mean gap ${gaps[load].toFixed(0)} ms) | ${MODE_NAMES[m]} | ${b[load][m].tokensPerSecond.toFixed(0)} | ${b[load][m].p50.toFixed(0)} | ${b[load][m].p99.toFixed(0)} | ${b[load][m].meanQueueMs.toFixed(0)} | ${b[load][m].maxQueueMs.toFixed(0)} | ${b[load][m].waited} of ${REQUESTS} | ${b[load][m].meanLiveRows.toFixed(1)} | ${b[load][m].runsPerStep.toFixed(2)} | ${b[load][m].meanAttendedSlots.toFixed(0)} | ${b[load][m].stepMsPerRow.toFixed(3)} | ${b[load][m].admitSeconds.toFixed(1)} |`,
    ),
  ),
].join("\n");
process.stdout.write(`${table}\n`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const name = `batching${quick ? "-quick" : ""}`;
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify({ problems: PROBLEMS, requests: REQUESTS, rows: ROWS, capacity, requestTokens, gaps, problemSet: a, stream: b }, null, 2)}\n`);
writeFileSync(new URL(`./results/${name}.md`, import.meta.url), `# Continuous batching\n\n${table}\n`);

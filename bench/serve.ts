/**
 * `cot-sc serve` under load, against the in-process engine on the same backend, in one run.
 *
 *   npm run bench:serve [-- --quick]
 *
 * 64 concurrent clients (the official openai client on loopback) each send `/v1/completions` with
 * n = 20 (streamed, for the time to first token), a bounded number of requests in all, then a round of
 * `/v1/solve` calls; the same completions workload runs in-process through `backend.sampleChains`, once
 * before the served run and once after it (machines drift: neither side gets only the warm or cold one).
 * Prints completed / failed, tokens/s, latency p50 / p99 and time to first token, and the ratio of
 * served to in-process tokens/s. Writes bench/results/serve{-quick}.{json,md}.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

import OpenAI from "openai";

import { createOnnxBackend } from "../src/backends/onnx.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";
import { loadPromptSet } from "../src/prompt/index.js";
import { createEngine } from "../src/engine.js";
import { createServer } from "../src/server/server.js";

const quick = process.argv.includes("--quick");
const CLIENTS = quick ? 16 : 64;
const REQUESTS = quick ? 16 : 64;
const N = 20;
const MAX_TOKENS = quick ? 64 : 200;
const SOLVES = quick ? 4 : 16;
const MODEL = "cot-sc-gpt2-tiny";

const questions = readFileSync(new URL("../fixtures/hard.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => (JSON.parse(line) as { question: string }).question);
const prompts = questions.slice(0, REQUESTS).map((q) => `Q: ${q}\nA: `);

const backend = await createOnnxBackend(SHIPPED_MODEL);
const engine = await createEngine({ backend });
const server = createServer({ engine, backend, modelName: MODEL, promptSet: await loadPromptSet("shipped-zero-shot") }, { maxQueuedChains: CLIENTS * N * 2 });
const { url } = await server.listen(0);
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "none", maxRetries: 2, timeout: 600_000 });

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/** Runs `count` jobs with at most `clients` in flight. */
async function pool<T>(count: number, clients: number, job: (i: number) => Promise<T>): Promise<Array<T | Error>> {
  const results: Array<T | Error> = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(clients, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i).catch((error: Error) => error);
      }
    }),
  );
  return results;
}

// warm-up
await backend.sampleChains({ prompt: prompts[0]!, count: 4, maxTokens: 16, temperature: 1, topK: 0, topP: 1, seed: 1, stop: [] });

// in-process before and after the served run, so that neither side alone has the warm (or the cold) machine
async function inProcess(): Promise<{ tokens: number; seconds: number; completed: number; failed: number }> {
  const started = performance.now();
  const results = await pool(REQUESTS, CLIENTS, (i) =>
    backend.sampleChains({ prompt: prompts[i]!, count: N, maxTokens: MAX_TOKENS, temperature: 1, topK: 0, topP: 1, seed: i, stop: [] }),
  );
  const tokens = results.reduce((sum, r) => sum + (r instanceof Error ? 0 : r.usage.generatedTokens), 0);
  const failed = results.filter((r) => r instanceof Error).length;
  return { tokens, seconds: (performance.now() - started) / 1000, completed: results.length - failed, failed };
}
const before = await inProcess();

const servedStarted = performance.now();
const served = await pool(REQUESTS, CLIENTS, async (i) => {
  const sent = performance.now();
  let firstToken = NaN;
  let tokens = 0;
  const stream = await client.completions.create({ model: MODEL, prompt: prompts[i]!, n: N, max_tokens: MAX_TOKENS, temperature: 1, seed: i, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    if (Number.isNaN(firstToken) && chunk.choices.some((c) => c.text.length > 0)) firstToken = performance.now() - sent;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  return { latency: performance.now() - sent, firstToken, tokens };
});
const servedSeconds = (performance.now() - servedStarted) / 1000;
const ok = served.filter((r): r is { latency: number; firstToken: number; tokens: number } => !(r instanceof Error));
const servedTokens = ok.reduce((sum, r) => sum + r.tokens, 0);

const after = await inProcess();
const localTokens = before.tokens + after.tokens;
const inProcessSeconds = before.seconds + after.seconds;

const solveStarted = performance.now();
const solves = await pool(SOLVES, CLIENTS, async (i) => {
  const sent = performance.now();
  const response = await fetch(`${url}/v1/solve`, { method: "POST", body: JSON.stringify({ question: questions[i]!, samples: N, seed: i }) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  await response.json();
  return performance.now() - sent;
});
const solveSeconds = (performance.now() - solveStarted) / 1000;
const solved = solves.filter((r): r is number => typeof r === "number");

await server.close();
await engine.close();
await backend.close();

const table = [
  `${CLIENTS} concurrent clients, ${REQUESTS} \`/v1/completions\` requests (n = ${N}, ${MAX_TOKENS} tokens at most, streamed), then ${SOLVES} \`/v1/solve\` (${N} chains each)`,
  "",
  "| workload | completed | failed | tokens/s | latency p50 s | latency p99 s | time to first token p50 s | p99 s |",
  "|---|---|---|---|---|---|---|---|",
  `| in-process \`sampleChains\`, before | ${before.completed} | ${before.failed} | ${(before.tokens / before.seconds).toFixed(0)} | | | | |`,
  `| in-process \`sampleChains\`, after | ${after.completed} | ${after.failed} | ${(after.tokens / after.seconds).toFixed(0)} | | | | |`,
  `| served \`/v1/completions\` | ${ok.length} | ${served.length - ok.length} | ${(servedTokens / servedSeconds).toFixed(0)} | ${(quantile(ok.map((r) => r.latency), 0.5) / 1000).toFixed(1)} | ${(quantile(ok.map((r) => r.latency), 0.99) / 1000).toFixed(1)} | ${(quantile(ok.map((r) => r.firstToken), 0.5) / 1000).toFixed(2)} | ${(quantile(ok.map((r) => r.firstToken), 0.99) / 1000).toFixed(2)} |`,
  `| served \`/v1/solve\` | ${solved.length} | ${solves.length - solved.length} | | ${(quantile(solved, 0.5) / 1000).toFixed(1)} | ${(quantile(solved, 0.99) / 1000).toFixed(1)} | | |`,
  "",
  `served / in-process tokens/s (both in-process runs together): ${(servedTokens / servedSeconds / (localTokens / inProcessSeconds)).toFixed(2)}× (goal ≥ 0.80×); /v1/solve wall ${solveSeconds.toFixed(1)} s`,
].join("\n");
process.stdout.write(`${table}\n`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const name = `serve${quick ? "-quick" : ""}`;
writeFileSync(
  new URL(`./results/${name}.json`, import.meta.url),
  `${JSON.stringify({ clients: CLIENTS, requests: REQUESTS, n: N, maxTokens: MAX_TOKENS, inProcess: { before, after, tokens: localTokens, seconds: inProcessSeconds }, served: { completed: ok.length, failed: served.length - ok.length, tokens: servedTokens, seconds: servedSeconds }, solve: { completed: solved.length, seconds: solveSeconds } }, null, 2)}\n`,
);
writeFileSync(new URL(`./results/${name}.md`, import.meta.url), `# cot-sc serve under load\n\n${table}\n`);

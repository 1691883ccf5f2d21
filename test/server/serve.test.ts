import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { createOnnxBackend, type OnnxBackend } from "../../src/backends/onnx.js";
import { createOpenAIBackend, RemoteBackendError } from "../../src/backends/openai.js";
import { SHIPPED_MODEL } from "../../src/model/model-dir.js";
import { loadPromptSet } from "../../src/prompt/index.js";
import { createEngine, type Engine } from "../../src/engine.js";
import { createServer, type CotScServer } from "../../src/server/server.js";
import { startMisbehavingServer } from "./misbehaving-server.js";

// A real server on loopback, the official client, the shipped model: no mock of our own server.
const MODEL = "cot-sc-gpt2-tiny";
const question = "Ben has 5 apples and buys 3 more. How many apples does he have?";
let backend: OnnxBackend;
let engine: Engine;
let server: CotScServer;
let url: string;
let client: OpenAI;

beforeAll(async () => {
  backend = await createOnnxBackend(SHIPPED_MODEL);
  engine = await createEngine({ backend });
  const promptSet = await loadPromptSet("shipped-zero-shot");
  server = createServer({ engine, backend, modelName: MODEL, promptSet }, { maxQueuedChains: 48 });
  url = (await server.listen(0)).url;
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "none", maxRetries: 0, timeout: 60_000 });
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
  await backend?.close();
});

const prompt = `Q: ${question}\nA: `;

describe("cot-sc serve through the official openai client", () => {
  test("completions: n choices with usage, finish reasons and log-probabilities; a seed repeats them", async () => {
    const request = { model: MODEL, prompt, n: 3, max_tokens: 60, seed: 5, temperature: 0.8, logprobs: 0 } as const;
    const first = await client.completions.create(request);
    expect(first.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(first.usage?.completion_tokens).toBeGreaterThan(0);
    expect(first.usage?.prompt_tokens).toBe(prompt.length);
    for (const choice of first.choices) {
      expect(["stop", "length"]).toContain(choice.finish_reason);
      expect(choice.logprobs?.tokens?.join("")).toBe(choice.text);
      expect(choice.logprobs?.token_logprobs?.every((l) => l <= 0)).toBe(true);
    }
    const again = await client.completions.create(request);
    expect(again.choices.map((c) => c.text)).toEqual(first.choices.map((c) => c.text));
    // choice i of seed s is chain i of that seed, the engine's own chains
    const sampled = await backend.sampleChains({ prompt, count: 3, maxTokens: 60, temperature: 0.8, topK: 0, topP: 1, seed: 5, stop: [] });
    expect(sampled.chains.map((c) => c.text)).toEqual(first.choices.map((c) => c.text));
  });

  test("chat: non-streamed and streamed with n = 8 give the same text per choice, and the usage chunk", async () => {
    const request = { model: MODEL, messages: [{ role: "user" as const, content: question }], n: 8, max_tokens: 80, seed: 2, temperature: 1 };
    const whole = await client.chat.completions.create(request);
    expect(whole.choices).toHaveLength(8);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const texts = new Map<number, string>();
    const finished = new Map<number, string>();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        texts.set(choice.index, (texts.get(choice.index) ?? "") + (choice.delta.content ?? ""));
        if (choice.finish_reason) finished.set(choice.index, choice.finish_reason);
      }
    }
    expect(finished.size).toBe(8);
    for (const choice of whole.choices) expect(texts.get(choice.index)).toBe(choice.message.content);
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  test("errors in OpenAI's shape: unknown model 404, bad fields 400 naming them", async () => {
    await expect(client.completions.create({ model: "nope", prompt: "x" })).rejects.toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    await expect(client.completions.create({ model: MODEL, prompt: "x", n: 1_000_000_000 })).rejects.toMatchObject({ status: 400, param: "n" });
    await expect(client.completions.create({ model: MODEL, prompt: "x", max_tokens: -5 })).rejects.toMatchObject({ status: 400, param: "max_tokens" });
    await expect(client.completions.create({ model: MODEL, prompt: "x", frequency_penalty: 1 })).rejects.toMatchObject({ status: 400, param: "frequency_penalty" });
  });

  test("50 malformed or hostile bodies each get their 4xx, and the server keeps serving", async () => {
    const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const completion = (fields: Record<string, unknown>) => JSON.stringify({ model: MODEL, prompt: "x", ...fields });
    const cases: Array<[string, string | Uint8Array, number]> = [
      ["/v1/completions", "{not json", 400],
      ["/v1/completions", "", 400],
      ["/v1/completions", "[]", 400],
      ["/v1/completions", "null", 400],
      ["/v1/completions", '"a string"', 400],
      ["/v1/completions", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 400],
      ["/v1/completions", "x".repeat(2 * 1024 * 1024), 413],
      ["/v1/completions", completion({ prompt: "q".repeat(1024 * 1024) }), 413],
      ["/v1/completions", JSON.stringify({ prompt: "x" }), 400],
      ["/v1/completions", JSON.stringify({ model: MODEL }), 400],
      ["/v1/completions", completion({ model: 7 }), 400],
      ["/v1/completions", completion({ model: "other" }), 404],
      ["/v1/completions", completion({ prompt: 42 }), 400],
      ["/v1/completions", completion({ prompt: [1, 2, 3] }), 400],
      ["/v1/completions", completion({ prompt: [] }), 400],
      ["/v1/completions", completion({ prompt: Array(100).fill("x") }), 400],
      ["/v1/completions", completion({ n: 0 }), 400],
      ["/v1/completions", completion({ n: -1 }), 400],
      ["/v1/completions", completion({ n: 1.5 }), 400],
      ["/v1/completions", completion({ n: "8" }), 400],
      ["/v1/completions", completion({ n: 1e9 }), 400],
      ["/v1/completions", completion({ max_tokens: 0 }), 400],
      ["/v1/completions", completion({ max_tokens: -100 }), 400],
      ["/v1/completions", completion({ max_tokens: 1e12 }), 400],
      ["/v1/completions", completion({ temperature: -1 }), 400],
      ["/v1/completions", completion({ temperature: 99 }), 400],
      ["/v1/completions", completion({ temperature: "hot" }), 400],
      ["/v1/completions", completion({ top_p: 0 }), 400],
      ["/v1/completions", completion({ top_p: 2 }), 400],
      ["/v1/completions", completion({ top_k: -7 }), 400],
      ["/v1/completions", completion({ seed: 1.5 }), 400],
      ["/v1/completions", completion({ stop: 5 }), 400],
      ["/v1/completions", completion({ stop: ["a", "b", "c", "d", "e"] }), 400],
      ["/v1/completions", completion({ logprobs: 99 }), 400],
      ["/v1/completions", completion({ echo: true }), 400],
      ["/v1/completions", completion({ logit_bias: { "5": 100 } }), 400],
      ["/v1/completions", completion({ best_of: 4 }), 400],
      ["/v1/completions", completion({ stream: "yes" }), 400],
      ["/v1/completions", completion({ first_index: -1 }), 400],
      ["/v1/chat/completions", JSON.stringify({ model: MODEL }), 400],
      ["/v1/chat/completions", JSON.stringify({ model: MODEL, messages: [] }), 400],
      ["/v1/chat/completions", JSON.stringify({ model: MODEL, messages: [{ role: "wizard", content: "hi" }] }), 400],
      ["/v1/chat/completions", JSON.stringify({ model: MODEL, messages: [{ role: "user", content: 5 }] }), 400],
      ["/v1/chat/completions", JSON.stringify({ model: MODEL, messages: [{ role: "system", content: "only a system turn" }] }), 400],
      ["/v1/chat/completions", JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }], top_logprobs: 3 }), 400],
      ["/v1/solve", JSON.stringify({}), 400],
      ["/v1/solve", JSON.stringify({ question: "" }), 400],
      ["/v1/solve", JSON.stringify({ question: "hi", samples: 0 }), 400],
      ["/v1/solve", JSON.stringify({ question: "hi", vote: "loudest" }), 400],
      ["/v1/solve", JSON.stringify({ question: "hi", stopping: { rule: "never" } }), 400],
      ["/v1/solve", JSON.stringify({ question: "hi", bogus: 1 }), 400],
      ["/v1/nothing", "{}", 404],
    ];
    expect(cases.length).toBeGreaterThanOrEqual(50);
    for (const [path, body, status] of cases) {
      const response = await post(path, body);
      const text = await response.text();
      expect(response.status, `${path} ${typeof body === "string" ? body.slice(0, 60) : "bytes"}: ${text.slice(0, 200)}`).toBe(status);
      const error = JSON.parse(text) as { error: { message: string; type: string } };
      expect(error.error.message.length).toBeGreaterThan(0);
    }
    expect((await fetch(`${url}/v1/completions`)).status).toBe(405);
    // still serving
    const ok = await client.completions.create({ model: MODEL, prompt, max_tokens: 5, seed: 1 });
    expect(ok.choices).toHaveLength(1);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/cot_sc_requests_total\{route="\/v1\/completions",status="400"\} \d+/);
    expect(metrics).toMatch(/cot_sc_live_rows \d+/);
  });

  test("/v1/solve: the voted answer, the vote shares and the checked chains in one call", async () => {
    const response = await fetch(`${url}/v1/solve`, { method: "POST", body: JSON.stringify({ question: [question, "What is 2 + 2?"], samples: 4, seed: 3 }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: Array<{ answer: string | null; byRule: Record<string, unknown>; chains: Array<{ steps: unknown[] }> }> };
    expect(body.results).toHaveLength(2);
    expect(body.results[0]!.chains).toHaveLength(4);
    expect(Object.keys(body.results[0]!.byRule).sort()).toEqual(["logprob", "majority", "verified"]);
    const direct = await engine.solve(question, { samples: 4, seed: 3, id: "q0" });
    expect(body.results[0]!.answer).toBe(direct.answer);
  });

  test("a bounded queue: past it, 429 with Retry-After; a client that disconnects has its chains dropped", async () => {
    const controller = new AbortController();
    const long = fetch(`${url}/v1/completions`, {
      method: "POST",
      signal: controller.signal,
      body: JSON.stringify({ model: MODEL, prompt, n: 40, max_tokens: 1000, stream: true, seed: 1 }),
    });
    const response = await long;
    const reader = response.body!.getReader();
    await reader.read(); // the first chunk: decoding has begun
    const refused = await fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify({ model: MODEL, prompt, n: 20, max_tokens: 5 }) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    controller.abort();
    let live = (await backend.stats()).liveRows;
    for (let i = 0; i < 50 && live > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      live = (await backend.stats()).liveRows;
    }
    expect(live).toBe(0);
  });

  test("API key: 401 without it, served with it", async () => {
    const locked = createServer({ engine, backend, modelName: MODEL, promptSet: await loadPromptSet("shipped-zero-shot") }, { apiKey: "sesame" });
    const { url: lockedUrl } = await locked.listen(0);
    try {
      const anonymous = new OpenAI({ baseURL: `${lockedUrl}/v1`, apiKey: "wrong", maxRetries: 0 });
      await expect(anonymous.models.list()).rejects.toMatchObject({ status: 401 });
      const keyed = new OpenAI({ baseURL: `${lockedUrl}/v1`, apiKey: "sesame", maxRetries: 0 });
      const models = await keyed.models.list();
      expect(models.data.map((m) => m.id)).toEqual([MODEL]);
    } finally {
      await locked.close();
    }
  });
});

describe("the openai backend", () => {
  test("against cot-sc serve: the same chains and votes as in-process, with adaptive stopping's rounds", async () => {
    const remote = await createEngine({ backend: "openai", baseUrl: `${url}/v1`, remoteModel: MODEL });
    try {
      const options = { samples: 12, seed: 4, temperature: 0.7, maxTokens: 320, prompt: { set: "shipped-zero-shot" }, stopping: { rule: "adaptive" as const, batch: 4 } };
      const [there, here] = await Promise.all([remote.solve(question, options), engine.solve(question, options)]);
      expect(there.chains.map((c) => c.text)).toEqual(here.chains.map((c) => c.text));
      expect(there.samplesUsed).toBe(here.samplesUsed);
      // log-probabilities agree to float rounding: the two runs share batches of other sizes (and, in
      // the split cache, prefix groups padded to other widths), whose matmuls may round differently in
      // the last bits; a sum over a chain's hundreds of tokens drifts by about 1e-6 (another chain's
      // log-probability would differ by whole units)
      for (const rule of ["majority", "verified", "logprob"] as const) {
        expect(there.byRule[rule].answer).toBe(here.byRule[rule].answer);
        expect(there.byRule[rule].share).toBeCloseTo(here.byRule[rule].share, 5);
      }
      there.chains.forEach((chain, i) => expect(chain.logprob).toBeCloseTo(here.chains[i]!.logprob, 4));
    } finally {
      await remote.close();
    }
  });

  test("a misbehaving server: n ignored, 429, a dropped connection, a stall, malformed JSON: every chain once", async () => {
    const misbehaving = await startMisbehavingServer(["ignore-n", "429", "drop", "stall", "malformed", "ignore-n"]);
    try {
      const remote = await createOpenAIBackend({ baseURL: misbehaving.url, model: "m", timeoutMs: 500, maxRetries: 3 });
      const result = await remote.sampleChains({ prompt: "p", count: 5, firstIndex: 2, maxTokens: 10, temperature: 1, topK: 0, topP: 1, seed: 9, stop: [] });
      expect(result.chains.map((c) => c.index)).toEqual([2, 3, 4, 5, 6]);
      expect(result.chains.map((c) => c.text.split("\n")[0])).toEqual([2, 3, 4, 5, 6].map((i) => `chain 9:${i}`));
      expect(result.chains.every((c) => c.logprob === -0.75 && c.tokens === 2)).toBe(true);
      expect(result.warnings).toEqual([expect.objectContaining({ type: "unsupported-setting", setting: "n", message: expect.stringMatching(/ignore n/) })]);
    } finally {
      await misbehaving.close();
    }
  });

  test("a clear error when the retries run out", async () => {
    const broken = await startMisbehavingServer(["500-forever"]);
    try {
      const remote = await createOpenAIBackend({ baseURL: broken.url, model: "m", maxRetries: 2 });
      await expect(remote.sampleChains({ prompt: "p", count: 2, maxTokens: 10, temperature: 1, topK: 0, topP: 1, seed: 1, stop: [] })).rejects.toBeInstanceOf(RemoteBackendError);
      expect(broken.requests()).toBe(3); // the first try and two retries
    } finally {
      await broken.close();
    }
  });
});

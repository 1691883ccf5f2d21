import { readFileSync } from "node:fs";
import { join } from "node:path";

import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";

import { decode, type DecodeJob } from "../../src/model/decoder.js";
import { loadModel } from "../../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../../src/model/model-dir.js";
import { startDecoder } from "../../src/model/worker-decoder.js";

interface ReferenceRecord {
  prompt: string;
  input_ids: number[];
  prefill_last_logits: number[];
  next_token: number;
  step_logits: number[];
  greedy_continuation: string;
}
const reference = JSON.parse(readFileSync(join(SHIPPED_MODEL, "reference_outputs.json"), "utf8")) as {
  max_new_tokens: number;
  stops: string[];
  records: ReferenceRecord[];
};
const config = JSON.parse(readFileSync(join(SHIPPED_MODEL, "config.json"), "utf8")) as { n_layer: number; n_head: number; n_embd: number };
const headDim = config.n_embd / config.n_head;

function int64(values: number[]): BigInt64Array {
  return BigInt64Array.from(values.map((v) => BigInt(v)));
}

function maxAbsDiff(a: Float32Array, b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function lastRow(tensor: ort.Tensor): Float32Array {
  const [, seq, vocab] = tensor.dims as [number, number, number];
  return (tensor.data as Float32Array).slice((seq - 1) * vocab, seq * vocab);
}

/** The Optimum graph's inputs for a whole prompt at batch 1 with an empty past. */
function prefillFeeds(ids: readonly number[]): Record<string, ort.Tensor> {
  const n = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", int64([...ids]), [1, n]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    position_ids: new ort.Tensor("int64", int64([...Array(n).keys()]), [1, n]),
  };
  for (let i = 0; i < config.n_layer; i++) {
    feeds[`past_key_values.${i}.key`] = new ort.Tensor("float32", new Float32Array(0), [1, config.n_head, 0, headDim]);
    feeds[`past_key_values.${i}.value`] = new ort.Tensor("float32", new Float32Array(0), [1, config.n_head, 0, headDim]);
  }
  return feeds;
}

/**
 * The split-cache graph's inputs for one step of one row after `record`'s prompt: the prefill's presents
 * (`first`, from the Optimum graph) as the shared prefix, one masked generated slot filled with `fill`.
 */
function splitStepFeeds(record: ReferenceRecord, first: ort.InferenceSession.OnnxValueMapType, fill: number): Record<string, ort.Tensor> {
  const n = record.input_ids.length;
  const step: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", int64([record.next_token]), [1, 1]),
    attention_mask: new ort.Tensor("int64", int64([0, 1]), [1, 2]),
    position_ids: new ort.Tensor("int64", int64([n]), [1, 1]),
    prefix_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    group_rows: new ort.Tensor("int64", int64([0]), [1, 1]),
    row_places: new ort.Tensor("int64", int64([0]), [1]),
  };
  for (let i = 0; i < config.n_layer; i++) {
    for (const kind of ["key", "value"]) {
      const present = first[`present.${i}.${kind}`] as ort.Tensor; // [1, heads, n, headDim]
      step[`prefix.${i}.${kind}`] = new ort.Tensor("float32", present.data as Float32Array, [1, config.n_head, n, headDim]);
      step[`cache.${i}.${kind}`] = new ort.Tensor("float32", new Float32Array(config.n_head * headDim).fill(fill), [1, config.n_head, 1, headDim]);
    }
  }
  return step;
}

describe("the shipped model's Optimum graph (model.onnx) against the training tool's reference outputs", () => {
  test.each(reference.records)("prefill with an empty past, then one cached step: $prompt", async (record) => {
    const session = await ort.InferenceSession.create(join(SHIPPED_MODEL, "model.onnx"));
    const n = record.input_ids.length;
    const feeds = prefillFeeds(record.input_ids);
    const first = await session.run(feeds);
    expect(maxAbsDiff(lastRow(first.logits!), record.prefill_last_logits)).toBeLessThanOrEqual(1e-4);

    const step: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", int64([record.next_token]), [1, 1]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(n + 1).fill(1n), [1, n + 1]),
      position_ids: new ort.Tensor("int64", int64([n]), [1, 1]),
    };
    for (let i = 0; i < config.n_layer; i++) {
      step[`past_key_values.${i}.key`] = first[`present.${i}.key`] as ort.Tensor;
      step[`past_key_values.${i}.value`] = first[`present.${i}.value`] as ort.Tensor;
    }
    const second = await session.run(step);
    expect(maxAbsDiff(lastRow(second.logits!), record.step_logits)).toBeLessThanOrEqual(1e-4);

    // the same logits without the cache: the whole sequence at once
    const whole = [...record.input_ids, record.next_token];
    const uncached = { ...feeds };
    uncached.input_ids = new ort.Tensor("int64", int64(whole), [1, n + 1]);
    uncached.attention_mask = new ort.Tensor("int64", new BigInt64Array(n + 1).fill(1n), [1, n + 1]);
    uncached.position_ids = new ort.Tensor("int64", int64([...Array(n + 1).keys()]), [1, n + 1]);
    const full = await session.run(uncached);
    expect(maxAbsDiff(lastRow(full.logits!), [...lastRow(second.logits!)])).toBeLessThanOrEqual(1e-4);
    await session.release();
  });
});

describe("the shipped model's split-cache graph (model_split_cache.onnx)", () => {
  test.each(reference.records)("one step over the shared prefix matches the reference step logits: $prompt", async (record) => {
    // the prompt's prefill (Optimum graph) becomes the prefix; one row, nothing generated yet (capacity 1, masked)
    const optimum = await ort.InferenceSession.create(join(SHIPPED_MODEL, "model.onnx"));
    const split = await ort.InferenceSession.create(join(SHIPPED_MODEL, "model_split_cache.onnx"));
    const n = record.input_ids.length;
    const prefill = prefillFeeds(record.input_ids);
    const first = await optimum.run(prefill);
    // garbage in the masked slot must not leak into the result
    const second = await split.run(splitStepFeeds(record, first, 1e3));
    expect(maxAbsDiff(lastRow(second.logits!), record.step_logits)).toBeLessThanOrEqual(1e-4);
    // the new token's entries are the ones the uncached graph computes for it
    const whole = await optimum.run({
      ...prefill,
      input_ids: new ort.Tensor("int64", int64([...record.input_ids, record.next_token]), [1, n + 1]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(n + 1).fill(1n), [1, n + 1]),
      position_ids: new ort.Tensor("int64", int64([...Array(n + 1).keys()]), [1, n + 1]),
    });
    const presentKey = whole["present.0.key"]!.data as Float32Array; // [1, heads, n + 1, headDim]
    const newKey = second["new.0.key"]!.data as Float32Array; // [1, heads, headDim]
    let worst = 0;
    for (let h = 0; h < config.n_head; h++) {
      for (let d = 0; d < headDim; d++) worst = Math.max(worst, Math.abs(newKey[h * headDim + d]! - presentKey[(h * (n + 1) + n) * headDim + d]!));
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    await optimum.release();
    await split.release();
  });

  test("rows of two prompts in one step: each row scores only its own prompt's group, padding and all", async () => {
    // groups: 0 = the first reference prompt, 1 = the second, padded to the longer; rows: [second, first,
    // second], so group 1 has two rows and group 0 one row and a padding column
    const optimum = await ort.InferenceSession.create(join(SHIPPED_MODEL, "model.onnx"));
    const split = await ort.InferenceSession.create(join(SHIPPED_MODEL, "model_split_cache.onnx"));
    const records = reference.records.slice(0, 2);
    expect(records[0]!.input_ids.length).not.toBe(records[1]!.input_ids.length);
    const lengths = records.map((r) => r.input_ids.length);
    const longest = Math.max(...lengths);
    const rowRecord = [1, 0, 1];
    const prefixMask = new BigInt64Array(2 * longest);
    lengths.forEach((length, g) => prefixMask.fill(1n, g * longest, g * longest + length));
    const step: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", int64(rowRecord.map((r) => records[r]!.next_token)), [3, 1]),
      attention_mask: new ort.Tensor("int64", int64([0, 1, 0, 1, 0, 1]), [3, 2]),
      position_ids: new ort.Tensor("int64", int64(rowRecord.map((r) => lengths[r]!)), [3, 1]),
      prefix_mask: new ort.Tensor("int64", prefixMask, [2, longest]),
      group_rows: new ort.Tensor("int64", int64([1, 0, 0, 2]), [2, 2]),
      row_places: new ort.Tensor("int64", int64([2, 0, 3]), [3]),
    };
    const presents = await Promise.all(records.map((r) => optimum.run(prefillFeeds(r.input_ids))));
    for (let i = 0; i < config.n_layer; i++) {
      for (const kind of ["key", "value"]) {
        const prefix = new Float32Array(2 * config.n_head * longest * headDim).fill(1e3); // padding: garbage, masked
        presents.forEach((present, g) => {
          const data = present[`present.${i}.${kind}`]!.data as Float32Array; // [1, heads, length, headDim]
          const length = lengths[g]!;
          for (let h = 0; h < config.n_head; h++) {
            prefix.set(data.subarray(h * length * headDim, (h + 1) * length * headDim), ((g * config.n_head + h) * longest) * headDim);
          }
        });
        step[`prefix.${i}.${kind}`] = new ort.Tensor("float32", prefix, [2, config.n_head, longest, headDim]);
        step[`cache.${i}.${kind}`] = new ort.Tensor("float32", new Float32Array(3 * config.n_head * headDim).fill(1e3), [3, config.n_head, 1, headDim]);
      }
    }
    const out = await split.run(step);
    const logits = out.logits!.data as Float32Array;
    const vocab = out.logits!.dims[2]!;
    rowRecord.forEach((r, row) => {
      expect(maxAbsDiff(logits.subarray(row * vocab, (row + 1) * vocab), records[r]!.step_logits)).toBeLessThanOrEqual(1e-4);
    });
    await optimum.release();
    await split.release();
  });
});

const greedy = (groups: DecodeJob["groups"], maxTokens = reference.max_new_tokens): DecodeJob => ({
  groups,
  maxTokens,
  sampling: { temperature: 0, topK: 0, topP: 1 },
  stop: reference.stops,
  stopAtAnswerLine: false,
});
const noHooks = { aborted: () => false };
/** Sampled chains of up to 160 tokens that stop at the answer line. */
const sampled = (groups: DecodeJob["groups"], temperature: number): DecodeJob => ({
  groups,
  maxTokens: 160,
  sampling: { temperature, topK: 0, topP: 1 },
  stop: reference.stops,
  stopAtAnswerLine: true,
});

describe.each(["split-cache", "optimum"] as const)("decoding through the %s graph", (graph) => {
  test("greedy decoding reproduces the training tool's greedy continuations exactly, prompts sharing one batch", async () => {
    const model = await loadModel(SHIPPED_MODEL, { graph });
    try {
      expect(model.signature.layout).toBe(graph);
      // both reference prompts (different lengths, left-padded) in one batch, 2 rows each
      const result = await decode(model, greedy(reference.records.map((r) => ({ promptIds: r.input_ids, count: 2, seed: 1, firstIndex: 0 }))), noHooks);
      reference.records.forEach((record, g) => {
        for (const chain of result.groups[g]!) expect(chain.text).toBe(record.greedy_continuation);
      });
    } finally {
      await model.close();
    }
  });

  test("a seed reproduces its chains, and a chain is the same at k=1 and inside k=16", async () => {
    const model = await loadModel(SHIPPED_MODEL, { graph });
    try {
      const promptIds = reference.records[1]!.input_ids;
      const job = (count: number, firstIndex: number): DecodeJob => ({
        groups: [{ promptIds, count, seed: 7, firstIndex }],
        maxTokens: 120,
        // hot enough that a confident model's 16 chains still differ (the check below is of sampling)
        sampling: { temperature: 1.5, topK: 0, topP: 1 },
        stop: reference.stops,
        stopAtAnswerLine: true,
      });
      const sixteen = await decode(model, job(16, 0), noHooks);
      const again = await decode(model, job(16, 0), noHooks);
      expect(again.groups[0]!.map((c) => c.text)).toEqual(sixteen.groups[0]!.map((c) => c.text));
      const texts = new Set(sixteen.groups[0]!.map((c) => c.text));
      expect(texts.size).toBeGreaterThan(1); // sampled, not all greedy
      for (const index of [0, 5, 11]) {
        const alone = await decode(model, job(1, index), noHooks);
        expect(alone.groups[0]![0]!.text).toBe(sixteen.groups[0]![index]!.text);
        expect(alone.groups[0]![0]!.logprob).toBeCloseTo(sixteen.groups[0]![index]!.logprob, 3);
      }
      for (const chain of sixteen.groups[0]!) {
        expect(["eos", "stop", "length"]).toContain(chain.finishReason);
        expect(chain.logprob).toBeLessThanOrEqual(0);
        expect(chain.tokens).toBeGreaterThan(0);
      }
    } finally {
      await model.close();
    }
  });
  test("a chain is the same whether its prompt has the batch to itself or shares it with another prompt", async () => {
    const model = await loadModel(SHIPPED_MODEL, { graph });
    try {
      // sampled chains of two prompts of different lengths, finishing at different steps: rows leave the
      // batch while others go on, so rows move, and each must keep seeing its own prompt
      const job = (groups: DecodeJob["groups"]): DecodeJob => sampled(groups, 1);
      const [short, long] = reference.records.map((r) => r.input_ids) as [number[], number[]];
      // the short prompt sits between two long ones and its rows finish first: the rows after it move down
      // over them, and (split-cache) its prompt leaves the shared prefix, moving the last prompt down too
      const other = model.encode("Q: Tom has 47 marbles. Tom gives 9 to Anna and shares the rest equally among 2 friends. How many marbles does each friend get?\nA: ");
      const groups: DecodeJob["groups"] = [
        { promptIds: long, count: 4, seed: 3, firstIndex: 0 },
        { promptIds: short, count: 6, seed: 4, firstIndex: 0 },
        { promptIds: other, count: 4, seed: 5, firstIndex: 0 },
      ];
      const shared = await decode(model, job(groups), noHooks);
      for (let g = 0; g < groups.length; g++) {
        const alone = await decode(model, job([groups[g]!]), noHooks);
        expect(shared.groups[g]!.map((c) => c.text)).toEqual(alone.groups[0]!.map((c) => c.text));
      }
      const lengths = shared.groups.map((chains) => chains.map((c) => c.tokens));
      // rows finished at different steps, so some left the batch while others went on
      const all = lengths.flat();
      expect(Math.min(...all)).toBeLessThan(Math.max(...all));
      expect(new Set(all).size).toBeGreaterThan(2);
      expect(Math.max(...lengths[0]!, ...lengths[2]!)).toBeGreaterThan(64); // past two growths of the cache (32 slots each)
    } finally {
      await model.close();
    }
  });
});

test("both graphs agree on a long greedy run from a short prompt, past the step mask's first allocation", async () => {
  // a 21-token prompt and 100 new tokens: the split cache's capacity, rounded up to 128 slots, outgrows the
  // mask buffer sized for prompt + max tokens, which the loop must then reallocate
  const job: DecodeJob = { ...greedy([{ promptIds: reference.records[0]!.input_ids, count: 2, seed: 1, firstIndex: 0 }], 100), stop: [], ignoreEos: true };
  const texts: string[][] = [];
  for (const graph of ["split-cache", "optimum"] as const) {
    const model = await loadModel(SHIPPED_MODEL, { graph });
    try {
      const result = await decode(model, job, noHooks);
      expect(result.groups[0]!.map((c) => c.tokens)).toEqual([100, 100]);
      texts.push(result.groups[0]!.map((c) => c.text));
    } finally {
      await model.close();
    }
  }
  expect(texts[0]).toEqual(texts[1]);
});

describe("the shipped model's 8-bit split-cache graph (model_split_cache_int8.onnx)", () => {
  // why these bounds: weights and activations are rounded to 8 bits per block of 32, so logits move by
  // up to about 0.2 (of a range of about 30) and a rounding step can flip where the float32 graph's
  // last-bit differences between batch shapes land; the tests pin what must still hold
  test("decode steps stay within 0.25 of the reference logits and pick the same greedy tokens", async () => {
    const model = await loadModel(SHIPPED_MODEL, { graph: "split-cache-int8" });
    try {
      expect(model.graphPath.endsWith("model_split_cache_int8.onnx")).toBe(true);
      const result = await decode(model, { ...greedy(reference.records.map((r) => ({ promptIds: r.input_ids, count: 1, seed: 1, firstIndex: 0 })), 2), logprobs: true }, noHooks);
      reference.records.forEach((record, g) => {
        const [first, second] = result.groups[g]![0]!.tokenIds!;
        expect(first).toBe(record.next_token);
        expect(second).toBe(record.step_logits.indexOf(Math.max(...record.step_logits)));
      });
      // the step logits themselves, each reference prompt's first step at batch 1
      const split = await ort.InferenceSession.create(model.graphPath);
      const optimum = await ort.InferenceSession.create(join(SHIPPED_MODEL, "model.onnx"));
      for (const record of reference.records) {
        const out = await split.run(splitStepFeeds(record, await optimum.run(prefillFeeds(record.input_ids)), 0));
        const worst = maxAbsDiff(lastRow(out.logits!), record.step_logits);
        expect(worst).toBeLessThanOrEqual(0.25);
        expect(worst).toBeGreaterThan(1e-4); // it is the 8-bit graph, not the float32 one
      }
      await split.release();
      await optimum.release();
    } finally {
      await model.close();
    }
  });

  test("greedy decoding of the in-distribution reference prompt is the training tool's continuation", async () => {
    const model = await loadModel(SHIPPED_MODEL, { graph: "split-cache-int8" });
    try {
      const record = reference.records[1]!; // a question in the corpus's form (the other, "What is 17+25?", is not)
      const result = await decode(model, greedy([{ promptIds: record.input_ids, count: 2, seed: 1, firstIndex: 0 }]), noHooks);
      for (const chain of result.groups[0]!) expect(chain.text).toBe(record.greedy_continuation);
    } finally {
      await model.close();
    }
  });

  // why not "the same chain alone and inside k=16", as for the float32 graph: the 8-bit graph's logits move a
  // little with the batch's shape (its int8 kernels round differently; a chain's log-probability by up to
  // ~0.15 over 160 tokens), so at T 1.5 a sampled chain can take the other side of a near tie. Measured on the
  // phase-17 weights: 9 of 12 chains identical alone and in k=16 (float32: 12 of 12, log-probabilities within 2e-5).
  test("a seed reproduces its chains exactly; alone or in another batch most chains are the same", async () => {
    const model = await loadModel(SHIPPED_MODEL, { graph: "split-cache-int8" });
    try {
      const job = (groups: DecodeJob["groups"]): DecodeJob => sampled(groups, 1.5);
      const [short, long] = reference.records.map((r) => r.input_ids) as [number[], number[]];
      const sixteen = await decode(model, job([{ promptIds: long, count: 16, seed: 7, firstIndex: 0 }]), noHooks);
      const again = await decode(model, job([{ promptIds: long, count: 16, seed: 7, firstIndex: 0 }]), noHooks);
      expect(again.groups[0]!.map((c) => [c.text, c.logprob])).toEqual(sixteen.groups[0]!.map((c) => [c.text, c.logprob]));
      expect(new Set(sixteen.groups[0]!.map((c) => c.text)).size).toBeGreaterThan(1);
      let same = 0;
      for (let index = 0; index < 12; index++) {
        const alone = await decode(model, job([{ promptIds: long, count: 1, seed: 7, firstIndex: index }]), noHooks);
        if (alone.groups[0]![0]!.text !== sixteen.groups[0]![index]!.text) continue;
        same++;
        expect(Math.abs(alone.groups[0]![0]!.logprob - sixteen.groups[0]![index]!.logprob)).toBeLessThan(0.25);
      }
      expect(same).toBeGreaterThanOrEqual(8);
      const shared = await decode(model, job([{ promptIds: short, count: 6, seed: 4, firstIndex: 0 }, { promptIds: long, count: 4, seed: 3, firstIndex: 0 }]), noHooks);
      const alone = await decode(model, job([{ promptIds: short, count: 6, seed: 4, firstIndex: 0 }]), noHooks);
      const agree = shared.groups[0]!.filter((c, i) => c.text === alone.groups[0]![i]!.text).length;
      expect(agree).toBeGreaterThanOrEqual(4);
    } finally {
      await model.close();
    }
  });

  test("a directory without the 8-bit graph is refused, naming the directory and the script that writes it", async () => {
    const tiny = new URL("../models/tiny-gpt2/", import.meta.url).pathname;
    await expect(loadModel(tiny, { graph: "split-cache-int8" })).rejects.toThrow(/no split-cache-int8 graph in this directory \(model_split_cache_int8\.onnx: training\/quantize_int8\.py/);
    await expect(loadModel(tiny, { graph: "split-cache-int8" })).rejects.toThrow(/tiny-gpt2/);
  });
});

describe("the worker thread", () => {
  test("keeps the event loop free while decoding, and AbortSignal cancels", async () => {
    const decoder = await startDecoder(SHIPPED_MODEL);
    try {
      const promptIds = reference.records[1]!.input_ids;
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const started = performance.now();
      const result = await decoder.submit({
        promptIds,
        count: 16,
        seed: 1,
        firstIndex: 0,
        maxTokens: 200,
        sampling: { temperature: 1, topK: 0, topP: 1 },
        stop: [],
        stopAtAnswerLine: false,
        ignoreEos: true,
      });
      clearInterval(timer);
      const elapsed = performance.now() - started;
      expect(result.generatedTokens).toBe(16 * 200);
      // a blocked loop would tick about once per decode; a free one about every 5 ms
      expect(ticks).toBeGreaterThan(elapsed / 5 / 4);

      const controller = new AbortController();
      const pending = decoder.submit(
        { promptIds, count: 4, seed: 1, firstIndex: 0, maxTokens: 5000, sampling: { temperature: 1, topK: 0, topP: 1 }, stop: [], stopAtAnswerLine: false, ignoreEos: true },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 100);
      await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    } finally {
      await decoder.close();
    }
  });
});

describe("the calculator in the worker", () => {
  test("a hook with a module runs in the decode worker: no round trip to the caller, the same chains", async () => {
    const { calculatorHook } = await import("../../src/run/calculator-hook.js");
    const decoder = await startDecoder(SHIPPED_MODEL);
    try {
      const group = {
        promptIds: reference.records[1]!.input_ids,
        count: 4,
        seed: 2,
        firstIndex: 0,
        maxTokens: 120,
        sampling: { temperature: 0.7, topK: 0, topP: 1 },
        stop: [],
        stopAtAnswerLine: true,
        forceTrigger: "=",
      };
      let asked = 0;
      const viaCaller = await decoder.submit(group, { force: (text, index) => (asked++, calculatorHook.complete(text, index)) });
      expect(asked).toBeGreaterThan(0);
      asked = 0;
      const inWorker = await decoder.submit(group, { force: (text, index) => (asked++, calculatorHook.complete(text, index)), forceModule: calculatorHook.module! });
      expect(asked).toBe(0);
      expect(inWorker.chains.map((c) => c.text)).toEqual(viaCaller.chains.map((c) => c.text));
    } finally {
      await decoder.close();
    }
  });
});

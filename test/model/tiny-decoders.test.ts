import { readFileSync } from "node:fs";

import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";

import { decode } from "../../src/model/decoder.js";
import { loadModel } from "../../src/model/loaded-model.js";

// Tiny random-weight decoders of other families, made by training/tiny_decoders.py (PyTorch references inside)
const MODELS = [
  { name: "tiny-gpt2", family: "gpt2 (n_head, no position_ids input)", tolerance: 1e-4, kvType: "float32" },
  { name: "tiny-llama-gqa", family: "llama (GQA 4:2 heads, head_dim, RoPE)", tolerance: 1e-4, kvType: "float32" },
  { name: "tiny-llama-gqa-fp16", family: "llama, float16 KV cache and logits", tolerance: 0.05, kvType: "float16" },
] as const;

describe.each(MODELS)("$name — $family", ({ name, tolerance, kvType }) => {
  const dir = new URL(`../models/${name}/`, import.meta.url).pathname;
  const reference = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as {
    input_ids: number[];
    prefill_last_logits: number[];
    greedy_ids: number[];
  };

  test("reads KV names, shapes and dtype from the session and matches PyTorch's logits", async () => {
    const model = await loadModel(dir);
    try {
      expect(model.signature.layout).toBe("optimum");
      expect(model.signature.kvType).toBe(kvType);
      expect(model.signature.kvHeads).toBe(2);
      expect(model.signature.headDim).toBe(16);
      const n = reference.input_ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", BigInt64Array.from(reference.input_ids.map(BigInt)), [1, n]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
      };
      if (model.signature.hasPositionIds) feeds.position_ids = new ort.Tensor("int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [1, n]);
      for (const [key, value] of model.signature.kvInputs) {
        const empty = kvType === "float16" ? new Uint16Array(0) : new Float32Array(0);
        feeds[key] = new ort.Tensor(kvType, empty, [1, 2, 0, 16]);
        feeds[value] = new ort.Tensor(kvType, empty, [1, 2, 0, 16]);
      }
      const out = await model.session.run(feeds);
      const logits = out.logits!;
      const vocab = logits.dims[2]!;
      const row = new Float32Array(vocab);
      if (logits.type === "float16") {
        const { halfToFloat } = await import("../../src/model/half-float.js");
        halfToFloat(logits.data as Uint16Array, row, (n - 1) * vocab, vocab);
      } else {
        row.set((logits.data as Float32Array).subarray((n - 1) * vocab, n * vocab));
      }
      let worst = 0;
      for (let i = 0; i < vocab; i++) worst = Math.max(worst, Math.abs(row[i]! - reference.prefill_last_logits[i]!));
      expect(worst).toBeLessThanOrEqual(tolerance);
    } finally {
      await model.close();
    }
  });

  test("greedy decoding through the same decode loop reproduces PyTorch's greedy tokens", async () => {
    const model = await loadModel(dir);
    try {
      const result = await decode(
        model,
        {
          groups: [{ promptIds: reference.input_ids, count: 2, seed: 1, firstIndex: 0 }],
          maxTokens: reference.greedy_ids.length,
          sampling: { temperature: 0, topK: 0, topP: 1 },
          stop: [],
          stopAtAnswerLine: false,
        },
        { aborted: () => false },
      );
      const eos = reference.greedy_ids.indexOf(0);
      const ids = eos >= 0 ? reference.greedy_ids.slice(0, eos) : reference.greedy_ids;
      const bytes = ids.flatMap((id) => [...model.tokenBytes[id]!]);
      const expected = new TextDecoder().decode(Uint8Array.from(bytes));
      for (const chain of result.groups[0]!) expect(chain.text).toBe(expected);
    } finally {
      await model.close();
    }
  });
});

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";

import { DeviceError } from "../../src/errors.js";
import { decode, type DecodeJob } from "../../src/model/decoder.js";
import { chooseDevice, hardwareGpuPresent } from "../../src/model/device.js";
import { liveDeviceTensors } from "../../src/model/device-tensors.js";
import { KV_GRAPHS } from "../../src/model/kv-helpers.js";
import { loadModel } from "../../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../../src/model/model-dir.js";

// CI installs Mesa's software Vulkan (lavapipe) from bookworm-backports (.ci/run); WebGPU runs on it.
const lavapipe = existsSync("/usr/share/vulkan/icd.d/lvp_icd.json") || existsSync("/usr/share/vulkan/icd.d/lvp_icd.x86_64.json");
const reference = JSON.parse(readFileSync(join(SHIPPED_MODEL, "reference_outputs.json"), "utf8")) as {
  records: Array<{ input_ids: number[]; prefill_last_logits: number[]; step_logits: number[]; next_token: number }>;
};

describe("device choice", () => {
  test("auto picks a device and says why it passed over the others", async () => {
    const choice = await chooseDevice("auto", `${KV_GRAPHS}gather_float32.onnx`);
    // a machine with a GPU legitimately picks it; without one, the CPU, with a reason for each GPU provider
    if (hardwareGpuPresent()) expect(["cuda", "webgpu"]).toContain(choice.device);
    else {
      expect(choice.device).toBe("cpu");
      expect(choice.reasons.join("; ")).toMatch(/cuda: .*webgpu: .*cpu/);
    }
    expect(choice.reasons.length).toBeGreaterThan(0);
  });

  test("asking for CUDA without its libraries is a DeviceError, not a crash", async () => {
    await expect(loadModel(SHIPPED_MODEL, { device: "cuda" })).rejects.toBeInstanceOf(DeviceError);
  });
});

describe.skipIf(!lavapipe)("WebGPU on lavapipe, KV cache kept on the device", () => {
  test("logits match the CPU path, greedy and seeded chains are identical, GPU buffers all released", async () => {
    const gpu = await loadModel(SHIPPED_MODEL, { device: "webgpu" });
    const cpu = await loadModel(SHIPPED_MODEL, { graph: "optimum" });
    try {
      expect(gpu.device.device).toBe("webgpu");
      // prefill logits and one cached step, presents staying on the device
      const record = reference.records[0]!;
      const n = record.input_ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", BigInt64Array.from(record.input_ids.map(BigInt)), [1, n]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [1, n]),
      };
      for (const [key, value] of gpu.signature.kvInputs) {
        feeds[key] = new ort.Tensor("float32", new Float32Array(0), [1, gpu.signature.kvHeads, 0, gpu.signature.headDim]);
        feeds[value] = new ort.Tensor("float32", new Float32Array(0), [1, gpu.signature.kvHeads, 0, gpu.signature.headDim]);
      }
      const first = await gpu.session.run(feeds);
      const vocab = first.logits!.dims[2]!;
      const last = (first.logits!.data as Float32Array).subarray((n - 1) * vocab, n * vocab);
      expect(first[gpu.signature.kvOutputs[0]![0]]!.location).toBe("gpu-buffer");
      expect(Math.max(...record.prefill_last_logits.map((v, i) => Math.abs(v - last[i]!)))).toBeLessThanOrEqual(1e-4);
      const step: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", BigInt64Array.from([BigInt(record.next_token)]), [1, 1]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(n + 1).fill(1n), [1, n + 1]),
        position_ids: new ort.Tensor("int64", BigInt64Array.from([BigInt(n)]), [1, 1]),
      };
      gpu.signature.kvInputs.forEach(([key, value], i) => {
        step[key] = first[gpu.signature.kvOutputs[i]![0]] as ort.Tensor;
        step[value] = first[gpu.signature.kvOutputs[i]![1]] as ort.Tensor;
      });
      const second = await gpu.session.run(step);
      const stepLogits = second.logits!.data as Float32Array;
      expect(Math.max(...record.step_logits.map((v, i) => Math.abs(v - stepLogits[i]!)))).toBeLessThanOrEqual(1e-4);
      for (const output of [...Object.values(first), ...Object.values(second)]) if (output.location === "gpu-buffer") output.dispose();

      // two prompts of different lengths in one batch: prefill, expand to rows, drop finished rows on the device
      const job = (temperature: number): DecodeJob => ({
        groups: reference.records.map((r) => ({ promptIds: r.input_ids, count: 2, seed: 4, firstIndex: 0 })),
        maxTokens: 12,
        sampling: { temperature, topK: 0, topP: 1 },
        stop: ["\n"],
        stopAtAnswerLine: false,
      });
      for (const temperature of [0, 0.8]) {
        const onGpu = await decode(gpu, job(temperature), { aborted: () => false });
        const onCpu = await decode(cpu, job(temperature), { aborted: () => false });
        expect(onGpu.groups.map((g) => g.map((c) => c.text))).toEqual(onCpu.groups.map((g) => g.map((c) => c.text)));
        expect(liveDeviceTensors()).toBe(0);
      }
    } finally {
      await gpu.close();
      await cpu.close();
    }
  }, 600_000);
});

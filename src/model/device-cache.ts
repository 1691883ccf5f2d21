import type * as ort from "onnxruntime-node";

import { adopt, release } from "./device-tensors.js";
import type { KvCache, PrefillEntry } from "./kv-cache.js";
import type { KvHelpers } from "./kv-helpers.js";
import type { GraphSignature } from "./session.js";

/**
 * The KV cache kept on the GPU (WebGPU): the Optimum graph's `present.*` outputs stay on the device
 * (`preferredOutputLocation: "gpu-buffer"`) and feed straight back as `past_key_values.*`; expanding a
 * prefill to k rows and dropping finished rows run as helper graphs on the same device. Only the logits
 * cross to the host. Every replaced tensor is disposed (device memory is not garbage collected).
 */
export class DeviceKvCache implements KvCache {
  batch: number;
  length: number;

  private constructor(
    private readonly signature: GraphSignature,
    private readonly helpers: KvHelpers,
    private tensors: Array<[ort.Tensor, ort.Tensor]>,
    batch: number,
    length: number,
  ) {
    this.batch = batch;
    this.length = length;
  }

  /** Each prompt's prefill cache copied to its rows (left-padded to `width`), groups joined, on the device. */
  static async fromPrefills(signature: GraphSignature, helpers: KvHelpers, entries: readonly PrefillEntry[], width: number): Promise<DeviceKvCache> {
    const tensors: Array<[ort.Tensor, ort.Tensor]> = [];
    for (let layer = 0; layer < signature.layers; layer++) {
      const pair: ort.Tensor[] = [];
      for (const kind of [0, 1] as const) {
        let joined: ort.Tensor | undefined;
        for (const entry of entries) {
          const rows = await helpers.rows(entry.layers[layer]![kind], width, entry.rows);
          if (joined === undefined) {
            joined = rows;
          } else {
            const next = await helpers.concat(joined, rows);
            release(joined);
            release(rows);
            joined = next;
          }
        }
        pair.push(joined!);
      }
      tensors.push([pair[0]!, pair[1]!]);
    }
    for (const entry of entries) for (const [key, value] of entry.layers) release(key), release(value);
    const batch = entries.reduce((sum, e) => sum + e.rows, 0);
    return new DeviceKvCache(signature, helpers, tensors, batch, width);
  }

  get maskWidth(): number {
    return this.length;
  }

  /** No shared prefix: a row attends over the mask's cache part. */
  get attendedSlots(): number {
    return this.maskWidth;
  }

  feeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    this.signature.kvInputs.forEach(([keyName, valueName], layer) => {
      feeds[keyName] = this.tensors[layer]![0];
      feeds[valueName] = this.tensors[layer]![1];
    });
    return feeds;
  }

  update(outputs: ort.InferenceSession.OnnxValueMapType, seq: number): void {
    this.signature.kvOutputs.forEach(([keyName, valueName], layer) => {
      const [oldKey, oldValue] = this.tensors[layer]!;
      this.tensors[layer] = [adopt(outputs[keyName] as ort.Tensor), adopt(outputs[valueName] as ort.Tensor)];
      release(oldKey);
      release(oldValue);
    });
    this.length += seq;
  }

  async compact(keep: Int32Array, count: number): Promise<void> {
    for (let layer = 0; layer < this.tensors.length; layer++) {
      const [key, value] = this.tensors[layer]!;
      this.tensors[layer] = [await this.helpers.gather(key, keep, count), await this.helpers.gather(value, keep, count)];
      release(key);
      release(value);
    }
    this.batch = count;
  }

  dispose(): void {
    for (const [key, value] of this.tensors) {
      release(key);
      release(value);
    }
    this.tensors = [];
  }
}

import * as ort from "onnxruntime-node";

import { allocate, type KvArray, type KvCache, type PrefillEntry } from "./kv-cache.js";
import type { GraphSignature } from "./session.js";

/**
 * The standard Optimum loop's cache, for graphs cot-sc did not export: each step's `present.*` outputs
 * (past and new concatenated by the graph) are fed back as the next `past_key_values.*`. Correct for any
 * Optimum decoder, but every step moves the whole cache; the split-cache graph is the fast path.
 */
export class PresentKvCache implements KvCache {
  batch: number;
  length: number;
  private tensors: Array<[ort.Tensor, ort.Tensor]>;

  private constructor(private readonly signature: GraphSignature, batch: number, length: number, layers: Array<[KvArray, KvArray]>) {
    this.batch = batch;
    this.length = length;
    const dims = [batch, signature.kvHeads, length, signature.headDim];
    this.tensors = layers.map(([key, value]) => [
      new ort.Tensor(signature.kvType, key, dims),
      new ort.Tensor(signature.kvType, value, dims),
    ]);
  }

  static empty(signature: GraphSignature): PresentKvCache {
    const layers: Array<[KvArray, KvArray]> = [];
    for (let i = 0; i < signature.layers; i++) layers.push([allocate(signature.kvType, 0), allocate(signature.kvType, 0)]);
    return new PresentKvCache(signature, 1, 0, layers);
  }

  /** Prefill entries copied to their rows, left-padded to `width` slots. */
  static fromPrefills(signature: GraphSignature, entries: readonly PrefillEntry[], width: number): PresentKvCache {
    const batch = entries.reduce((sum, e) => sum + e.rows, 0);
    const { kvHeads: heads, headDim } = signature;
    const layers: Array<[KvArray, KvArray]> = [];
    for (let layer = 0; layer < signature.layers; layer++) {
      const key = allocate(signature.kvType, batch * heads * width * headDim);
      const value = allocate(signature.kvType, batch * heads * width * headDim);
      let row = 0;
      for (const entry of entries) {
        const [sourceKey, sourceValue] = entry.layers[layer]!.map((t) => t.data as KvArray) as [KvArray, KvArray];
        const offset = width - entry.promptLength;
        for (let r = 0; r < entry.rows; r++, row++) {
          for (let h = 0; h < heads; h++) {
            const from = h * entry.promptLength * headDim;
            const to = ((row * heads + h) * width + offset) * headDim;
            key.set(sourceKey.subarray(from, from + entry.promptLength * headDim), to);
            value.set(sourceValue.subarray(from, from + entry.promptLength * headDim), to);
          }
        }
      }
      layers.push([key, value]);
    }
    return new PresentKvCache(signature, batch, width, layers);
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
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [keyName, valueName] = this.signature.kvInputs[layer]!;
      feeds[keyName] = this.tensors[layer]![0];
      feeds[valueName] = this.tensors[layer]![1];
    }
    return feeds;
  }

  update(outputs: ort.InferenceSession.OnnxValueMapType, seq: number): void {
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [keyName, valueName] = this.signature.kvOutputs[layer]!;
      const [oldKey, oldValue] = this.tensors[layer]!;
      this.tensors[layer] = [outputs[keyName] as ort.Tensor, outputs[valueName] as ort.Tensor];
      // device-resident tensors must be released explicitly; CPU ones are garbage collected
      if (oldKey.location !== "cpu") oldKey.dispose();
      if (oldValue.location !== "cpu") oldValue.dispose();
    }
    this.length += seq;
  }

  compact(keep: Int32Array, count: number): void {
    const { kvHeads: heads, headDim } = this.signature;
    const rowSize = heads * this.length * headDim;
    const dims = [count, heads, this.length, headDim];
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const pair = this.tensors[layer]!;
      const next = pair.map((tensor) => {
        const data = tensor.data as KvArray;
        const kept = allocate(this.signature.kvType, count * rowSize);
        for (let i = 0; i < count; i++) kept.set(data.subarray(keep[i]! * rowSize, (keep[i]! + 1) * rowSize), i * rowSize);
        return new ort.Tensor(this.signature.kvType, kept, dims);
      });
      this.tensors[layer] = [next[0]!, next[1]!];
    }
    this.batch = count;
  }

  dispose(): void {
    for (const [key, value] of this.tensors) {
      if (key.location !== "cpu") key.dispose();
      if (value.location !== "cpu") value.dispose();
    }
    this.tensors = [];
  }
}

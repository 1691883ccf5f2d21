import * as ort from "onnxruntime-node";

import type { KvCache, PrefillEntry } from "./kv-cache.js";
import type { GraphSignature } from "./session.js";

/** Capacity grows in steps of this many slots: few regrowth copies, little attention over empty slots. */
const GROWTH = 128;

/**
 * The fast path's cache: cot-sc owns preallocated buffers, keys stored transposed
 * ([batch, heads, headDim, capacity]) and values as [batch, heads, capacity, headDim]. The split-cache
 * graph reads them as given and returns only the new tokens' entries ([batch, heads, seq, headDim]),
 * which `update` writes into the next slots. Nothing proportional to the whole cache is copied per step;
 * batch is the outermost dimension, so dropping rows is one in-place move and the live rows stay a
 * contiguous prefix of each buffer.
 *
 * Float32 only (cot-sc exports the graph), which keeps every typed-array access here monomorphic: a
 * Float32Array | Uint16Array union made V8 take its slow path in these loops.
 */
export class SplitKvCache implements KvCache {
  batch: number;
  length: number;
  private capacity: number;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  private readonly heads: number;
  private readonly headDim: number;

  private constructor(private readonly signature: GraphSignature, batch: number, length: number, capacity: number) {
    this.heads = signature.kvHeads;
    this.headDim = signature.headDim;
    this.batch = batch;
    this.length = length;
    this.capacity = capacity;
    for (let i = 0; i < signature.layers; i++) {
      this.keys.push(new Float32Array(batch * this.heads * this.headDim * capacity));
      this.values.push(new Float32Array(batch * this.heads * capacity * this.headDim));
    }
  }

  /** An empty cache for one row (a prefill). */
  static empty(signature: GraphSignature): SplitKvCache {
    return new SplitKvCache(signature, 1, 0, 0);
  }

  /** The batch cache after prefill: each prompt's entries copied into its rows, right-aligned at `width`. */
  static fromPrefills(signature: GraphSignature, entries: readonly PrefillEntry[], width: number): SplitKvCache {
    const batch = entries.reduce((sum, e) => sum + e.rows, 0);
    const cache = new SplitKvCache(signature, batch, width, roundUp(width + 1));
    const { heads, headDim, capacity } = cache;
    let row = 0;
    for (const entry of entries) {
      const offset = width - entry.promptLength;
      for (let r = 0; r < entry.rows; r++, row++) {
        for (let layer = 0; layer < signature.layers; layer++) {
          const [newKey, newValue] = entry.layers[layer]!.map((t) => t.data as Float32Array) as [Float32Array, Float32Array];
          writeEntries(cache.keys[layer]!, cache.values[layer]!, newKey, newValue, row, 0, heads, headDim, capacity,
            offset, entry.promptLength);
        }
      }
    }
    return cache;
  }

  get maskWidth(): number {
    return this.capacity;
  }

  feeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    const keyDims = [this.batch, this.heads, this.headDim, this.capacity];
    const valueDims = [this.batch, this.heads, this.capacity, this.headDim];
    const size = this.batch * this.heads * this.headDim * this.capacity;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [keyName, valueName] = this.signature.kvInputs[layer]!;
      // views of the live prefix: onnxruntime reads the memory in place
      feeds[keyName] = new ort.Tensor(this.signature.kvType, this.keys[layer]!.subarray(0, size), keyDims);
      feeds[valueName] = new ort.Tensor(this.signature.kvType, this.values[layer]!.subarray(0, size), valueDims);
    }
    return feeds;
  }

  update(outputs: ort.InferenceSession.OnnxValueMapType, seq: number): void {
    if (this.length + seq > this.capacity) this.grow(this.length + seq);
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [keyName, valueName] = this.signature.kvOutputs[layer]!;
      const newKey = outputs[keyName]!.data as Float32Array; // [batch, heads, seq, headDim]
      const newValue = outputs[valueName]!.data as Float32Array;
      for (let row = 0; row < this.batch; row++) {
        writeEntries(this.keys[layer]!, this.values[layer]!, newKey, newValue, row, row, this.heads, this.headDim,
          this.capacity, this.length, seq);
      }
    }
    this.length += seq;
  }

  compact(keep: Int32Array, count: number): void {
    const rowSize = this.heads * this.headDim * this.capacity;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      for (const buffer of [this.keys[layer]!, this.values[layer]!]) {
        for (let i = 0; i < count; i++) {
          const from = keep[i]!;
          if (from !== i) buffer.copyWithin(i * rowSize, from * rowSize, (from + 1) * rowSize);
        }
      }
    }
    this.batch = count;
  }

  dispose(): void {
    this.keys = [];
    this.values = [];
  }

  // re-stride into a larger capacity; amortised over GROWTH steps
  private grow(needed: number): void {
    const capacity = roundUp(needed);
    const { heads, headDim, batch, length } = this;
    const old = this.capacity;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const oldKey = this.keys[layer]!;
      const oldValue = this.values[layer]!;
      const key = new Float32Array(batch * heads * headDim * capacity);
      const value = new Float32Array(batch * heads * capacity * headDim);
      // keys: each (row, head, dim) line of `old` slots becomes a line of `capacity` slots
      for (let line = 0; line < batch * heads * headDim; line++) {
        const from = line * old;
        const to = line * capacity;
        for (let slot = 0; slot < length; slot++) key[to + slot] = oldKey[from + slot]!;
      }
      // values: each (row, head) block of `old` slots × headDim becomes one of `capacity` slots
      const used = length * headDim;
      for (let block = 0; block < batch * heads; block++) {
        const from = block * old * headDim;
        const to = block * capacity * headDim;
        for (let i = 0; i < used; i++) value[to + i] = oldValue[from + i]!;
      }
      this.keys[layer] = key;
      this.values[layer] = value;
    }
    this.capacity = capacity;
  }
}

function roundUp(slots: number): number {
  return Math.max(GROWTH, Math.ceil(slots / GROWTH) * GROWTH);
}

/**
 * Copies `count` new entries of source row `sourceRow` (source [rows, heads, count, headDim]) into
 * destination row `row` at slots `slot..slot+count`, keys transposed.
 */
function writeEntries(
  keys: Float32Array,
  values: Float32Array,
  newKey: Float32Array,
  newValue: Float32Array,
  row: number,
  sourceRow: number,
  heads: number,
  headDim: number,
  capacity: number,
  slot: number,
  count: number,
): void {
  for (let h = 0; h < heads; h++) {
    const source = (sourceRow * heads + h) * count * headDim;
    const keyBase = (row * heads + h) * headDim * capacity;
    for (let s = 0; s < count; s++) {
      const from = source + s * headDim;
      for (let d = 0; d < headDim; d++) keys[keyBase + d * capacity + slot + s] = newKey[from + d]!;
    }
    const valueBase = ((row * heads + h) * capacity + slot) * headDim;
    for (let i = 0; i < count * headDim; i++) values[valueBase + i] = newValue[source + i]!;
  }
}

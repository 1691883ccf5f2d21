import * as ort from "onnxruntime-node";

import { CotScError } from "../errors.js";
import type { KvCache, PrefillEntry } from "./kv-cache.js";
import type { GraphSignature } from "./session.js";

/**
 * Capacity grows in steps of this many slots. The graph attends over the whole capacity (unused slots
 * masked), so small steps waste little work; a regrowth moves only the generated part, in place.
 */
const GROWTH = 32;

/**
 * The fast path's cache, in two parts that cot-sc owns and the split-cache graph reads in place:
 *
 * - the **shared prefix**: each prompt's prefill entries, stored once however many chains sample from it,
 *   the batch's prompts side by side (keys and values [heads, prefix, headDim]); `prefix_mask`
 *   [batch, prefix] marks each row's own prompt. Nothing prompt-sized is copied per chain.
 * - the **generated part**: per row, the tokens it has generated (keys and values [batch, heads,
 *   capacity, headDim]). The graph returns only the new token's entries ([batch, heads, headDim]), which
 *   `update` writes into the next slot.
 *
 * Every row has generated the same number of tokens (rows step in lockstep from the same start), so
 * slot j is every row's j-th generated token: no padding inside the cache. The buffers are allocated
 * once, for the most tokens a row may generate; the graph sees a view of `capacity` slots per row, and
 * growing re-strides that view inside the same buffers (fresh allocations page-faulted far more than
 * they copied). Batch is the outermost dimension, so dropping rows is one in-place move per kept row.
 *
 * Float32 only (cot-sc exports the graph), which keeps every typed-array access here monomorphic.
 */
export class SplitKvCache implements KvCache {
  batch: number;
  length = 0;
  private capacity = GROWTH;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  /** Per layer, the prefix keys and values, [heads, prefixLength, headDim] at the front of each buffer. */
  private readonly prefixKeys: Float32Array[] = [];
  private readonly prefixValues: Float32Array[] = [];
  private readonly prefixMask: BigInt64Array;
  private readonly prefixMask32: Int32Array;
  /** Batch row → prefix slots [start, end) of its prompt; moved with the rows on compaction. */
  private readonly rowPrefixStart: Int32Array;
  private readonly rowPrefixEnd: Int32Array;
  private prefixLength: number;
  private readonly heads: number;
  private readonly headDim: number;
  private readonly maxCapacity: number;
  private stepFeeds: Record<string, ort.Tensor> | undefined;

  private constructor(private readonly signature: GraphSignature, entries: readonly PrefillEntry[], maxNew: number) {
    this.heads = signature.kvHeads;
    this.headDim = signature.headDim;
    const { heads, headDim } = this;
    this.batch = entries.reduce((sum, e) => sum + e.rows, 0);
    this.prefixLength = entries.reduce((sum, e) => sum + e.promptLength, 0);
    const prefix = this.prefixLength;

    // the prefix: prompts side by side, once each, per head (prefill entries are [1, heads, length, headDim])
    for (let layer = 0; layer < signature.layers; layer++) {
      const key = new Float32Array(heads * prefix * headDim);
      const value = new Float32Array(heads * prefix * headDim);
      let start = 0;
      for (const entry of entries) {
        const length = entry.promptLength;
        const [sourceKey, sourceValue] = entry.layers[layer]!.map((t) => t.data as Float32Array) as [Float32Array, Float32Array];
        for (let h = 0; h < heads; h++) {
          const from = h * length * headDim;
          key.set(sourceKey.subarray(from, from + length * headDim), (h * prefix + start) * headDim);
          value.set(sourceValue.subarray(from, from + length * headDim), (h * prefix + start) * headDim);
        }
        start += length;
      }
      this.prefixKeys.push(key);
      this.prefixValues.push(value);
    }

    this.rowPrefixStart = new Int32Array(this.batch);
    this.rowPrefixEnd = new Int32Array(this.batch);
    let row = 0;
    let start = 0;
    for (const entry of entries) {
      for (let r = 0; r < entry.rows; r++, row++) {
        this.rowPrefixStart[row] = start;
        this.rowPrefixEnd[row] = start + entry.promptLength;
      }
      start += entry.promptLength;
    }
    this.prefixMask = new BigInt64Array(this.batch * prefix);
    this.prefixMask32 = new Int32Array(this.prefixMask.buffer);
    this.writePrefixMask();

    // untouched pages of these buffers cost nothing until the rows get that far
    this.maxCapacity = Math.ceil((maxNew + 1) / GROWTH) * GROWTH;
    for (let i = 0; i < signature.layers; i++) {
      this.keys.push(new Float32Array(this.batch * heads * this.maxCapacity * headDim));
      this.values.push(new Float32Array(this.batch * heads * this.maxCapacity * headDim));
    }
  }

  /**
   * The batch cache: each prompt's prefill entries once, shared by its rows; nothing generated yet, room
   * for `maxNew` generated tokens per row.
   */
  static fromPrefills(signature: GraphSignature, entries: readonly PrefillEntry[], maxNew: number): SplitKvCache {
    return new SplitKvCache(signature, entries, maxNew);
  }

  get maskWidth(): number {
    return this.capacity;
  }

  feeds(): Record<string, ort.Tensor> {
    // tensors are remade only when the batch or capacity changed: views of the live rows, read in place
    if (this.stepFeeds === undefined) {
      const { batch, heads, headDim, capacity, prefixLength } = this;
      const size = batch * heads * capacity * headDim;
      const prefixSize = heads * prefixLength * headDim;
      const feeds: Record<string, ort.Tensor> = {};
      feeds.prefix_mask = new ort.Tensor("int64", this.prefixMask.subarray(0, batch * prefixLength), [batch, prefixLength]);
      for (let layer = 0; layer < this.signature.layers; layer++) {
        const [prefixKeyName, prefixValueName] = this.signature.prefixInputs[layer]!;
        feeds[prefixKeyName] = new ort.Tensor("float32", this.prefixKeys[layer]!.subarray(0, prefixSize), [heads, prefixLength, headDim]);
        feeds[prefixValueName] = new ort.Tensor("float32", this.prefixValues[layer]!.subarray(0, prefixSize), [heads, prefixLength, headDim]);
        const [keyName, valueName] = this.signature.kvInputs[layer]!;
        feeds[keyName] = new ort.Tensor("float32", this.keys[layer]!.subarray(0, size), [batch, heads, capacity, headDim]);
        feeds[valueName] = new ort.Tensor("float32", this.values[layer]!.subarray(0, size), [batch, heads, capacity, headDim]);
      }
      this.stepFeeds = feeds;
    }
    return this.stepFeeds;
  }

  update(outputs: ort.InferenceSession.OnnxValueMapType, seq: number): void {
    if (seq !== 1) throw new CotScError("SPLIT_CACHE", `the split-cache graph decodes one token per row per step, not ${seq}`);
    if (this.length + 1 > this.capacity) this.grow();
    const { batch, heads, headDim, capacity } = this;
    const slot = this.length;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [keyName, valueName] = this.signature.kvOutputs[layer]!;
      const newKey = outputs[keyName]!.data as Float32Array; // [batch, heads, headDim]
      const newValue = outputs[valueName]!.data as Float32Array;
      const keys = this.keys[layer]!;
      const values = this.values[layer]!;
      for (let line = 0; line < batch * heads; line++) {
        const from = line * headDim;
        const to = (line * capacity + slot) * headDim;
        for (let d = 0; d < headDim; d++) {
          keys[to + d] = newKey[from + d]!;
          values[to + d] = newValue[from + d]!;
        }
      }
    }
    this.length += 1;
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
    for (let i = 0; i < count; i++) {
      this.rowPrefixStart[i] = this.rowPrefixStart[keep[i]!]!;
      this.rowPrefixEnd[i] = this.rowPrefixEnd[keep[i]!]!;
    }
    this.batch = count;
    this.dropUnusedPrompts();
    this.writePrefixMask();
    this.stepFeeds = undefined;
  }

  /**
   * Removes from the prefix the prompts no live row samples from any more: every row scores against the
   * whole prefix, so a finished problem's prompt would otherwise cost every remaining step. Prompts keep
   * their order and move down in place (each segment's destination is at or before its source).
   */
  private dropUnusedPrompts(): void {
    // rows are in prompt order, so the live prompts' segments are the distinct starts, ascending
    const starts: number[] = [];
    const ends: number[] = [];
    for (let b = 0; b < this.batch; b++) {
      if (starts.length === 0 || starts[starts.length - 1] !== this.rowPrefixStart[b]) {
        starts.push(this.rowPrefixStart[b]!);
        ends.push(this.rowPrefixEnd[b]!);
      }
    }
    let kept = 0;
    for (let i = 0; i < starts.length; i++) kept += ends[i]! - starts[i]!;
    if (kept === this.prefixLength) return;
    const { heads, headDim } = this;
    const old = this.prefixLength;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      for (const buffer of [this.prefixKeys[layer]!, this.prefixValues[layer]!]) {
        for (let h = 0; h < heads; h++) {
          let to = h * kept;
          for (let i = 0; i < starts.length; i++) {
            buffer.copyWithin(to * headDim, (h * old + starts[i]!) * headDim, (h * old + ends[i]!) * headDim);
            to += ends[i]! - starts[i]!;
          }
        }
      }
    }
    // the rows' segments, renumbered
    let b = 0;
    let to = 0;
    for (let i = 0; i < starts.length; i++) {
      const length = ends[i]! - starts[i]!;
      for (; b < this.batch && this.rowPrefixStart[b] === starts[i]; b++) {
        this.rowPrefixStart[b] = to;
        this.rowPrefixEnd[b] = to + length;
      }
      to += length;
    }
    this.prefixLength = kept;
  }

  dispose(): void {
    this.keys = [];
    this.values = [];
  }

  private writePrefixMask(): void {
    const prefix = this.prefixLength;
    const mask = this.prefixMask32; // int64 written as (low, high) int32 pairs, little-endian
    mask.fill(0, 0, 2 * this.batch * prefix);
    for (let b = 0; b < this.batch; b++) {
      for (let s = this.rowPrefixStart[b]!; s < this.rowPrefixEnd[b]!; s++) mask[2 * (b * prefix + s)] = 1;
    }
  }

  /**
   * GROWTH more slots per row, re-strided in place: each (row, head) block of `length` × headDim moves
   * to its wider stride, last block first, so no block is overwritten before it has moved.
   */
  private grow(): void {
    const capacity = this.capacity + GROWTH;
    if (capacity > this.maxCapacity) {
      throw new CotScError("SPLIT_CACHE", `the split cache was sized for ${this.maxCapacity - 1} generated tokens per row`);
    }
    const { heads, headDim, batch, length } = this;
    const old = this.capacity;
    const used = length * headDim;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      for (const buffer of [this.keys[layer]!, this.values[layer]!]) {
        for (let block = batch * heads - 1; block > 0; block--) {
          buffer.copyWithin(block * capacity * headDim, block * old * headDim, block * old * headDim + used);
        }
      }
    }
    this.capacity = capacity;
    this.stepFeeds = undefined;
  }
}

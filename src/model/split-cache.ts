import * as ort from "onnxruntime-node";

import { CotScError } from "../errors.js";
import type { Admission, KvCache, PrefillEntry } from "./kv-cache.js";
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
 * Every row writes its generated tokens from slot 0 on, one slot a step (`rowSlots`): a row admitted
 * into a live batch (continuous batching, see `admit`) starts at slot 0 while older rows are further on,
 * and the graph sees `capacity` slots per row, each row's own masked past its end. Slot order does not
 * matter to attention (positions entered the keys before they were cached), so no row ever waits for,
 * or pays for, another's start. The buffers are allocated for
 * the most slots a row may need; the graph sees a view of `capacity` slots per row, and growing
 * re-strides that view inside the same buffers (fresh allocations page-faulted far more than they
 * copied). Batch is the outermost dimension, so dropping rows is one in-place move per kept row, and
 * admitting rows writes after the live ones.
 *
 * Float32 only (cot-sc exports the graph), which keeps every typed-array access here monomorphic.
 */
export class SplitKvCache implements KvCache {
  batch: number;
  /** The most slots any row has written. */
  length = 0;
  private capacity = GROWTH;
  /** Per batch row, the generated slots it has written. */
  private rowSlots: Int32Array;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  /** Per layer, the prefix keys and values, [heads, prefixLength, headDim] at the front of each buffer. */
  private prefixKeys: Float32Array[] = [];
  private prefixValues: Float32Array[] = [];
  private prefixMask: BigInt64Array;
  private prefixMask32: Int32Array;
  /** Batch row → prefix slots [start, end) of its prompt; moved with the rows on compaction. */
  private rowPrefixStart: Int32Array;
  private rowPrefixEnd: Int32Array;
  private prefixLength: number;
  private readonly heads: number;
  private readonly headDim: number;
  /** The buffers hold `rows` rows of `maxCapacity` slots (the view uses `batch` rows of `capacity`). */
  private rows: number;
  private maxCapacity: number;
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
    this.rowSlots = new Int32Array(this.batch);
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
    this.rows = this.batch;
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

  /** why: every row scores against every live prompt in the prefix (masked to its own), then its slots */
  get attendedSlots(): number {
    return this.prefixLength + this.capacity;
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
    const { batch, heads, headDim, capacity, rowSlots } = this;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [keyName, valueName] = this.signature.kvOutputs[layer]!;
      const newKey = outputs[keyName]!.data as Float32Array; // [batch, heads, headDim]
      const newValue = outputs[valueName]!.data as Float32Array;
      const keys = this.keys[layer]!;
      const values = this.values[layer]!;
      for (let line = 0; line < batch * heads; line++) {
        const from = line * headDim;
        // line = row * heads + head; each row writes its own next slot
        const to = (line * capacity + rowSlots[(line / heads) | 0]!) * headDim;
        for (let d = 0; d < headDim; d++) {
          keys[to + d] = newKey[from + d]!;
          values[to + d] = newValue[from + d]!;
        }
      }
    }
    for (let b = 0; b < batch; b++) rowSlots[b] = rowSlots[b]! + 1;
    this.length += 1;
  }

  /** Where row `b`'s written slots end: the mask covers [0, slotEnd(b)) for it. */
  slotEnd(b: number): number {
    return this.rowSlots[b]!;
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
    let length = 0;
    for (let i = 0; i < count; i++) {
      this.rowPrefixStart[i] = this.rowPrefixStart[keep[i]!]!;
      this.rowPrefixEnd[i] = this.rowPrefixEnd[keep[i]!]!;
      this.rowSlots[i] = this.rowSlots[keep[i]!]!;
      length = Math.max(length, this.rowSlots[i]!);
    }
    this.batch = count;
    // why: after the longest rows leave, a narrower view is all the others need
    this.length = length;
    this.narrow();
    this.dropUnusedPrompts();
    this.writePrefixMask();
    this.stepFeeds = undefined;
  }

  admit(admissions: readonly Admission[], slots: number): void {
    const { heads, headDim } = this;
    const added = admissions.reduce((sum, a) => sum + ("entry" in a ? a.entry.rows : a.rows), 0);
    const batch = this.batch + added;
    const maxCapacity = Math.max(this.maxCapacity, Math.ceil((slots + 1) / GROWTH) * GROWTH);
    if (batch > this.rows || maxCapacity > this.maxCapacity) {
      // why: room for half as many rows again, so a stream of admissions reallocates rarely
      const rows = Math.max(batch, this.rows + (this.rows >> 1));
      const used = this.batch * heads * this.capacity * headDim;
      for (let layer = 0; layer < this.signature.layers; layer++) {
        for (const buffers of [this.keys, this.values]) {
          const bigger = new Float32Array(rows * heads * maxCapacity * headDim);
          bigger.set(buffers[layer]!.subarray(0, used));
          buffers[layer] = bigger;
        }
      }
      const grow = (values: Int32Array): Int32Array => {
        const grown = new Int32Array(rows);
        grown.set(values.subarray(0, this.batch));
        return grown;
      };
      this.rowPrefixStart = grow(this.rowPrefixStart);
      this.rowPrefixEnd = grow(this.rowPrefixEnd);
      this.rowSlots = grow(this.rowSlots);
      this.rows = rows;
      this.maxCapacity = maxCapacity;
    }
    // the new prompts go after the live ones in the prefix, per head
    const fresh = admissions.flatMap((a) => ("entry" in a ? [a.entry] : []));
    const addedPrefix = fresh.reduce((sum, e) => sum + e.promptLength, 0);
    const old = this.prefixLength;
    const prefix = old + addedPrefix;
    if (addedPrefix > 0) {
      for (let layer = 0; layer < this.signature.layers; layer++) {
        for (const [buffers, part] of [[this.prefixKeys, 0], [this.prefixValues, 1]] as const) {
          const grown = new Float32Array(heads * prefix * headDim);
          for (let h = 0; h < heads; h++) {
            grown.set(buffers[layer]!.subarray(h * old * headDim, (h + 1) * old * headDim), h * prefix * headDim);
            let start = old;
            for (const entry of fresh) {
              const length = entry.promptLength;
              const source = entry.layers[layer]![part].data as Float32Array;
              grown.set(source.subarray(h * length * headDim, (h + 1) * length * headDim), (h * prefix + start) * headDim);
              start += length;
            }
          }
          buffers[layer] = grown;
        }
      }
    }
    let row = this.batch;
    let start = old;
    for (const admission of admissions) {
      const from = "entry" in admission ? start : this.rowPrefixStart[admission.sameAs]!;
      const to = "entry" in admission ? start + admission.entry.promptLength : this.rowPrefixEnd[admission.sameAs]!;
      const count = "entry" in admission ? admission.entry.rows : admission.rows;
      for (let i = 0; i < count; i++, row++) {
        this.rowPrefixStart[row] = from;
        this.rowPrefixEnd[row] = to;
        this.rowSlots[row] = 0;
      }
      if ("entry" in admission) start += admission.entry.promptLength;
    }
    this.batch = batch;
    this.prefixLength = prefix;
    if (this.prefixMask.length < batch * prefix) {
      this.prefixMask = new BigInt64Array(batch * prefix);
      this.prefixMask32 = new Int32Array(this.prefixMask.buffer);
    }
    this.writePrefixMask();
    this.stepFeeds = undefined;
  }

  /**
   * Removes from the prefix the prompts no live row samples from any more: every row scores against the
   * whole prefix, so a finished problem's prompt would otherwise cost every remaining step. Prompts keep
   * their order and move down in place (each segment's destination is at or before its source).
   */
  private dropUnusedPrompts(): void {
    // the live prompts' segments: distinct starts, ascending (rows admitted later may share an earlier one)
    const segments = new Map<number, number>();
    for (let b = 0; b < this.batch; b++) segments.set(this.rowPrefixStart[b]!, this.rowPrefixEnd[b]!);
    const starts = [...segments.keys()].sort((a, b) => a - b);
    let kept = 0;
    for (const segmentStart of starts) kept += segments.get(segmentStart)! - segmentStart;
    if (kept === this.prefixLength) return;
    const { heads, headDim } = this;
    const old = this.prefixLength;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      for (const buffer of [this.prefixKeys[layer]!, this.prefixValues[layer]!]) {
        for (let h = 0; h < heads; h++) {
          let to = h * kept;
          for (const from of starts) {
            const end = segments.get(from)!;
            buffer.copyWithin(to * headDim, (h * old + from) * headDim, (h * old + end) * headDim);
            to += end - from;
          }
        }
      }
    }
    // the rows' segments, renumbered
    const moved = new Map<number, number>();
    let to = 0;
    for (const from of starts) {
      moved.set(from, to);
      to += segments.get(from)! - from;
    }
    for (let b = 0; b < this.batch; b++) {
      const length = this.rowPrefixEnd[b]! - this.rowPrefixStart[b]!;
      this.rowPrefixStart[b] = moved.get(this.rowPrefixStart[b]!)!;
      this.rowPrefixEnd[b] = this.rowPrefixStart[b]! + length;
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
   * The view cut back to the slots the rows use (in GROWTH steps): every row attends over `capacity`
   * slots, so a wide view left by a finished long row would cost every later step. Re-strided in place,
   * first block first (each moves down).
   */
  private narrow(): void {
    const fit = Math.max(GROWTH, Math.ceil((this.length + 1) / GROWTH) * GROWTH);
    if (fit >= this.capacity) return;
    const { heads, headDim, batch, length, capacity } = this;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      for (const buffer of [this.keys[layer]!, this.values[layer]!]) {
        for (let block = 1; block < batch * heads; block++) {
          buffer.copyWithin(block * fit * headDim, block * capacity * headDim, (block * capacity + length) * headDim);
        }
      }
    }
    this.capacity = fit;
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

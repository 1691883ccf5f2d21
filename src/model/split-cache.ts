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
 * - the **shared prefix**, grouped by prompt: each prompt's prefill entries, stored once however many chains
 *   sample from it (keys and values [groups, heads, prefixLength, headDim], every prompt padded to the
 *   longest live one; `prefix_mask` [groups, prefixLength] marks the real slots). `group_rows` [groups,
 *   rows] and `row_places` [batch] tell the graph which rows belong to which prompt, so each row scores
 *   only its own prompt: with several problems live, a row's prefix work is its prompt's length, not the
 *   sum of every live prompt's (measured on the shipped model: 64 rows over 4 prompts of 250 tokens took
 *   about 20% longer a step when every row met all 1,000 slots, masked; over 8 prompts, 70%).
 *   Nothing prompt-sized is copied per chain.
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
  /** Per layer, the prefix keys and values, [groups, heads, prefixLength, headDim] at the front of each buffer. */
  private prefixKeys: Float32Array[] = [];
  private prefixValues: Float32Array[] = [];
  /** Live prompts (groups), each one's length, and the groups the prefix buffers have room for. */
  private groups = 0;
  private groupLength: Int32Array;
  private groupRoom: number;
  /** Slots per group in the prefix buffers: the longest live prompt. */
  private prefixLength: number;
  /** Batch row → its prompt's group; moved with the rows on compaction. */
  private rowGroup: Int32Array;
  /** The graph's grouping inputs (int64), rewritten when rows or groups change, never per step. */
  private prefixMask = new BigInt64Array(0);
  private groupRows = new BigInt64Array(0);
  private rowPlaces = new BigInt64Array(0);
  private groupSize = 0;
  private readonly heads: number;
  private readonly headDim: number;
  /** The buffers hold `rows` rows of `maxCapacity` slots (the view uses `batch` rows of `capacity`). */
  private rows: number;
  private maxCapacity: number;
  private stepFeeds: Record<string, ort.Tensor> | undefined;

  private constructor(private readonly signature: GraphSignature, entries: readonly PrefillEntry[], maxNew: number, reserveRows: number) {
    this.heads = signature.kvHeads;
    this.headDim = signature.headDim;
    const { heads, headDim } = this;
    this.batch = entries.reduce((sum, e) => sum + e.rows, 0);
    this.groupRoom = Math.max(entries.length, 4);
    this.groupLength = new Int32Array(this.groupRoom);
    this.prefixLength = entries.reduce((longest, e) => Math.max(longest, e.promptLength), 0);
    for (let layer = 0; layer < signature.layers; layer++) {
      this.prefixKeys.push(new Float32Array(this.groupRoom * heads * this.prefixLength * headDim));
      this.prefixValues.push(new Float32Array(this.groupRoom * heads * this.prefixLength * headDim));
    }
    // a continuous lane reserves its row budget: admissions then write into the same buffers instead of
    // reallocating and copying the live rows at every half-again growth
    this.rows = Math.max(this.batch, reserveRows);
    this.rowGroup = new Int32Array(this.rows);
    this.rowSlots = new Int32Array(this.rows);
    let row = 0;
    for (const entry of entries) {
      const group = this.addGroup(entry);
      for (let r = 0; r < entry.rows; r++, row++) this.rowGroup[row] = group;
    }
    this.writeGrouping();

    // untouched pages of these buffers cost nothing until the rows get that far
    this.maxCapacity = Math.ceil((maxNew + 1) / GROWTH) * GROWTH;
    for (let i = 0; i < signature.layers; i++) {
      this.keys.push(new Float32Array(this.rows * heads * this.maxCapacity * headDim));
      this.values.push(new Float32Array(this.rows * heads * this.maxCapacity * headDim));
    }
  }

  /**
   * The batch cache: each prompt's prefill entries once, shared by its rows; nothing generated yet, room
   * for `maxNew` generated tokens per row.
   */
  static fromPrefills(signature: GraphSignature, entries: readonly PrefillEntry[], maxNew: number, reserveRows = 0): SplitKvCache {
    return new SplitKvCache(signature, entries, maxNew, reserveRows);
  }

  get maskWidth(): number {
    return this.capacity;
  }

  /** A step's outputs are [batch, …] new entries and logits: their shapes change only with the batch. */
  readonly fixedOutputs = true;

  /** why: every row scores its own prompt's group (padded to the longest live prompt), then its slots */
  get attendedSlots(): number {
    return this.prefixLength + this.capacity;
  }

  feeds(): Record<string, ort.Tensor> {
    // tensors are remade only when the batch or capacity changed: views of the live rows, read in place
    if (this.stepFeeds === undefined) {
      const { batch, heads, headDim, capacity, prefixLength, groups, groupSize } = this;
      const size = batch * heads * capacity * headDim;
      const prefixSize = groups * heads * prefixLength * headDim;
      const feeds: Record<string, ort.Tensor> = {};
      feeds.prefix_mask = new ort.Tensor("int64", this.prefixMask.subarray(0, groups * prefixLength), [groups, prefixLength]);
      feeds.group_rows = new ort.Tensor("int64", this.groupRows.subarray(0, groups * groupSize), [groups, groupSize]);
      feeds.row_places = new ort.Tensor("int64", this.rowPlaces.subarray(0, batch), [batch]);
      for (let layer = 0; layer < this.signature.layers; layer++) {
        const [prefixKeyName, prefixValueName] = this.signature.prefixInputs[layer]!;
        const shape = [groups, heads, prefixLength, headDim];
        feeds[prefixKeyName] = new ort.Tensor("float32", this.prefixKeys[layer]!.subarray(0, prefixSize), shape);
        feeds[prefixValueName] = new ort.Tensor("float32", this.prefixValues[layer]!.subarray(0, prefixSize), shape);
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
      this.rowGroup[i] = this.rowGroup[keep[i]!]!;
      this.rowSlots[i] = this.rowSlots[keep[i]!]!;
      length = Math.max(length, this.rowSlots[i]!);
    }
    this.batch = count;
    // why: after the longest rows leave, a narrower view is all the others need
    this.length = length;
    this.narrow();
    this.dropUnusedPrompts();
    this.writeGrouping();
    this.stepFeeds = undefined;
  }

  admit(admissions: readonly Admission[], slots: number): void {
    const { heads, headDim } = this;
    const added = admissions.reduce((sum, a) => sum + ("entry" in a ? a.entry.rows : a.rows), 0);
    const batch = this.batch + added;
    const maxCapacity = Math.max(this.maxCapacity, Math.ceil((slots + 1) / GROWTH) * GROWTH);
    if (batch > this.rows || maxCapacity > this.maxCapacity) {
      // why: room for half as many rows again, so a stream of admissions reallocates rarely (and no more
      // rows when only the slots grow: a lane that reserved its row budget would double it)
      const rows = batch > this.rows ? Math.max(batch, this.rows + (this.rows >> 1)) : this.rows;
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
      this.rowGroup = grow(this.rowGroup);
      this.rowSlots = grow(this.rowSlots);
      this.rows = rows;
      this.maxCapacity = maxCapacity;
    }
    // each new prompt becomes a group; rows that sample from a live prompt join its group
    let row = this.batch;
    for (const admission of admissions) {
      const group = "entry" in admission ? this.addGroup(admission.entry) : this.rowGroup[admission.sameAs]!;
      const count = "entry" in admission ? admission.entry.rows : admission.rows;
      for (let i = 0; i < count; i++, row++) {
        this.rowGroup[row] = group;
        this.rowSlots[row] = 0;
      }
    }
    this.batch = batch;
    this.writeGrouping();
    this.stepFeeds = undefined;
  }

  /** Appends a prompt's prefill entries as a new group (re-striding the groups if it is the longest). */
  private addGroup(entry: PrefillEntry): number {
    const { heads, headDim } = this;
    const length = entry.promptLength;
    if (this.groups === this.groupRoom || length > this.prefixLength) {
      // why: room for half as many groups again, so a stream of admissions reallocates rarely
      const room = this.groups === this.groupRoom ? this.groupRoom + Math.max(4, this.groupRoom >> 1) : this.groupRoom;
      this.restride(Math.max(length, this.prefixLength), room);
    }
    const group = this.groups++;
    this.groupLength[group] = length;
    const stride = this.prefixLength;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      const [sourceKey, sourceValue] = entry.layers[layer]!.map((t) => t.data as Float32Array) as [Float32Array, Float32Array];
      for (let h = 0; h < heads; h++) {
        const to = ((group * heads + h) * stride) * headDim;
        this.prefixKeys[layer]!.set(sourceKey.subarray(h * length * headDim, (h + 1) * length * headDim), to);
        this.prefixValues[layer]!.set(sourceValue.subarray(h * length * headDim, (h + 1) * length * headDim), to);
      }
    }
    return group;
  }

  /**
   * The prefix buffers with `stride` slots per group and room for `room` groups: a new buffer when either
   * grows, else in place (each (group, head) block moves down, first block first).
   */
  private restride(stride: number, room: number): void {
    const { heads, headDim, groups } = this;
    const old = this.prefixLength;
    const grows = stride > old || room > this.groupRoom;
    for (let layer = 0; layer < this.signature.layers; layer++) {
      for (const buffers of [this.prefixKeys, this.prefixValues]) {
        const source = buffers[layer]!;
        const target = grows ? new Float32Array(room * heads * stride * headDim) : source;
        for (let g = 0; g < groups; g++) {
          const used = this.groupLength[g]! * headDim;
          for (let h = 0; h < heads; h++) {
            const from = (g * heads + h) * old * headDim;
            if (grows) target.set(source.subarray(from, from + used), (g * heads + h) * stride * headDim);
            else target.copyWithin((g * heads + h) * stride * headDim, from, from + used);
          }
        }
        buffers[layer] = target;
      }
    }
    if (room > this.groupRoom) {
      const lengths = new Int32Array(room);
      lengths.set(this.groupLength.subarray(0, groups));
      this.groupLength = lengths;
      this.groupRoom = room;
    }
    this.prefixLength = stride;
  }

  /**
   * Removes from the prefix the prompts no live row samples from any more, and narrows the groups to the
   * longest prompt left: every group is padded to that length, so a finished long prompt would otherwise
   * cost every remaining step. Group order does not matter, so a dropped group's place is taken by the last.
   */
  private dropUnusedPrompts(): void {
    const used = new Uint8Array(this.groups);
    for (let b = 0; b < this.batch; b++) used[this.rowGroup[b]!] = 1;
    const block = this.heads * this.prefixLength * this.headDim;
    const renumber = new Int32Array(this.groups);
    for (let g = 0; g < this.groups; g++) renumber[g] = g;
    let g = 0;
    while (g < this.groups) {
      if (used[g]) {
        g++;
        continue;
      }
      const last = --this.groups;
      if (g !== last) {
        for (let layer = 0; layer < this.signature.layers; layer++) {
          this.prefixKeys[layer]!.copyWithin(g * block, last * block, (last + 1) * block);
          this.prefixValues[layer]!.copyWithin(g * block, last * block, (last + 1) * block);
        }
        this.groupLength[g] = this.groupLength[last]!;
        used[g] = used[last]!;
        renumber[last] = g;
      }
    }
    for (let b = 0; b < this.batch; b++) this.rowGroup[b] = renumber[this.rowGroup[b]!]!;
    let longest = 0;
    for (let k = 0; k < this.groups; k++) longest = Math.max(longest, this.groupLength[k]!);
    if (longest < this.prefixLength) this.restride(longest, this.groupRoom);
  }

  dispose(): void {
    this.keys = [];
    this.values = [];
  }

  /** `prefix_mask`, `group_rows` and `row_places` for the live rows and groups. */
  private writeGrouping(): void {
    const { groups, batch, prefixLength } = this;
    const members = new Int32Array(groups);
    for (let b = 0; b < batch; b++) members[this.rowGroup[b]!]! += 1;
    let size = 1;
    for (let g = 0; g < groups; g++) size = Math.max(size, members[g]!);
    this.groupSize = size;
    if (this.prefixMask.length < groups * prefixLength) this.prefixMask = new BigInt64Array(groups * prefixLength);
    if (this.groupRows.length < groups * size) this.groupRows = new BigInt64Array(groups * size);
    if (this.rowPlaces.length < batch) this.rowPlaces = new BigInt64Array(batch);
    for (let g = 0; g < groups; g++) {
      const length = this.groupLength[g]!;
      this.prefixMask.fill(1n, g * prefixLength, g * prefixLength + length);
      this.prefixMask.fill(0n, g * prefixLength + length, (g + 1) * prefixLength);
    }
    // why: a group's padding columns read row 0 (any live row); their results are never gathered back
    this.groupRows.fill(0n, 0, groups * size);
    members.fill(0);
    for (let b = 0; b < batch; b++) {
      const g = this.rowGroup[b]!;
      const place = g * size + members[g]!;
      members[g]! += 1;
      this.groupRows[place] = BigInt(b);
      this.rowPlaces[b] = BigInt(place);
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

import type * as ort from "onnxruntime-node";

/** The typed array behind a float32 or float16 KV tensor (float16 travels as raw Uint16 bits). */
export type KvArray = Float32Array | Uint16Array;

/** One prompt's prefill result: the cache entries it wrote, for `rows` batch rows that share it. */
export interface PrefillEntry {
  /** Per layer [key, value], each [1, heads, promptLength, headDim] (on the host, or on the device). */
  layers: Array<[ort.Tensor, ort.Tensor]>;
  promptLength: number;
  rows: number;
}

/**
 * Rows joining a live batch (continuous batching): a prompt's prefill entry for `rows` new rows, or
 * `rows` new rows that sample from the prompt batch row `sameAs` already holds (prefilled once while
 * it is live).
 */
export type Admission = { readonly entry: PrefillEntry } | { readonly sameAs: number; readonly rows: number };

/**
 * The KV cache as the decode loop sees it, whatever the graph layout. Rows are batch rows; slot j holds
 * the token at cache index j (prompts are left-padded so every row's next token lands in the same slot).
 */
export interface KvCache {
  /** Live batch rows. */
  readonly batch: number;
  /** Slots written so far (the past length); the attention mask spans `maskWidth` = slots the graph sees. */
  readonly length: number;
  /** Width of the cache part of the attention mask the next step needs. */
  readonly maskWidth: number;
  /**
   * Cache slots each row's attention spans in the next step, masked ones included: what a step's
   * attention costs per row (`maskWidth`, plus the shared prefix where the cache keeps one).
   */
  readonly attendedSlots: number;
  /**
   * True where a step's outputs are the same shapes for as long as the batch width stays the same (new
   * entries, not presents that grow): the loop may then hand the graph output buffers it keeps.
   */
  readonly fixedOutputs?: boolean;
  /** The cache inputs for the next step. */
  feeds(): Record<string, ort.Tensor>;
  /** Take the step's outputs (new entries or presents) for `seq` new tokens. */
  update(outputs: ort.InferenceSession.OnnxValueMapType, seq: number): void;
  /** Keep batch rows `keep[0..count)` (ascending), dropping the others. */
  compact(keep: Int32Array, count: number): void | Promise<void>;
  /**
   * Continuous batching, for caches that can (others leave it undefined, and new rows wait until the
   * batch is empty): append the admitted rows after the live ones, with room for `slots` slots per row.
   * Such a cache keeps each row's slots from 0 on and says where they end (`slotEnd`).
   */
  admit?(admissions: readonly Admission[], slots: number): void;
  /** Where row `b`'s slots end, for caches whose rows have lengths of their own (else `length`). */
  slotEnd?(b: number): number;
  /** Release device buffers, if any. */
  dispose(): void;
}

/** Zero-filled array of the cache's element type. */
export function allocate(kvType: "float32" | "float16", length: number): KvArray {
  return kvType === "float16" ? new Uint16Array(length) : new Float32Array(length);
}

import * as ort from "onnxruntime-node";

import { halfToFloat } from "./half-float.js";
import type { GraphSignature } from "./session.js";

/** The token inputs of one graph run: ids, positions and mask for `batch` rows of `seq` tokens. */
export function tokenFeeds(
  signature: GraphSignature,
  ids: BigInt64Array,
  positions: BigInt64Array,
  batch: number,
  seq: number,
  mask: BigInt64Array,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor("int64", ids, [batch, seq]) };
  if (signature.hasAttentionMask) feeds.attention_mask = new ort.Tensor("int64", mask, [batch, mask.length / batch]);
  if (signature.hasPositionIds) feeds.position_ids = new ort.Tensor("int64", positions, [batch, seq]);
  if (signature.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor("bool", new Uint8Array([1]), [1]);
  return feeds;
}

/** logits [batch, seq, vocab] → a float32 copy of one row's last position. */
export function lastLogits(tensor: ort.Tensor, row: number, seq: number, vocab: number): Float32Array {
  const out = new Float32Array(vocab);
  const from = (row * seq + seq - 1) * vocab;
  if (tensor.type === "float16") halfToFloat(tensor.data as Uint16Array, out, from, vocab);
  else out.set((tensor.data as Float32Array).subarray(from, from + vocab));
  return out;
}

import * as ort from "onnxruntime-node";

import { AbortError, CotScError } from "../errors.js";
import { createRng, createSamplerChain, logProbability, type Rng, type SamplingSettings } from "../sampling/index.js";
import { halfToFloat } from "./half-float.js";
import { adopt } from "./device-tensors.js";
import type { KvCache, PrefillEntry } from "./kv-cache.js";
import type { GraphSignature } from "./session.js";

/** One prompt and the chains to draw from it. Several groups can share one batch. */
export interface DecodeGroup {
  promptIds: readonly number[];
  count: number;
  seed: number;
  /** Chain indices are firstIndex .. firstIndex + count - 1; with the seed they fix each chain's stream. */
  firstIndex: number;
}

export interface DecodeJob {
  groups: readonly DecodeGroup[];
  maxTokens: number;
  sampling: SamplingSettings;
  stop: readonly string[];
  /** End a chain once it completes a `#### n` line (GSM8K's answer line). */
  stopAtAnswerLine: boolean;
  /** Benchmarks only: keep sampling past EOS, so every row generates exactly maxTokens. */
  ignoreEos?: boolean;
  /** Calculator hook trigger character (see ForceHook); undefined: no hook. */
  forceTrigger?: string;
}

export interface DecodedChain {
  text: string;
  tokens: number;
  finishReason: "eos" | "stop" | "length";
  logprob: number;
  index: number;
}

export interface DecodeResult {
  /** Per group, its chains in index order. */
  groups: DecodedChain[][];
  promptTokens: number;
  generatedTokens: number;
  wallMs: number;
  /** Decode steps run after the prefills, and the sum of live rows over them (rows actually computed). */
  steps: number;
  rowSteps: number;
}

/** What the decoder needs to know about the tokenizer and model. */
export interface DecoderModel {
  /** The graph each decode step runs. */
  session: ort.InferenceSession;
  signature: GraphSignature;
  /**
   * The graph prompts are prefilled with: the step graph itself, except for split-cache models, whose
   * step graph takes one token per row and whose prompts go through the model's Optimum graph.
   */
  prefill: { session: ort.InferenceSession; signature: GraphSignature };
  tokenBytes: readonly Uint8Array[];
  encode(text: string): number[];
  eosTokenIds: readonly number[];
  maxPositions: number | undefined;
  /** Width of the logits' last dimension. */
  logitsWidth: number;
  /** How this model's KV cache is made: host buffers (split-cache, Optimum) or device tensors. */
  caches: CacheFactory;
}

export interface CacheFactory {
  /** An empty cache for a prefill at batch 1 (fed to the prefill graph). */
  empty(): KvCache;
  /**
   * The batch cache. Shared-prefix caches keep each prompt's prefill once for all its rows and start
   * with no generated slots; the others copy the prefill to each row, left-padded to `width` slots.
   * Rows will generate at most `maxNew` tokens.
   */
  fromPrefills(entries: readonly PrefillEntry[], width: number, maxNew: number): KvCache | Promise<KvCache>;
  /** True when the prompt lives in a shared prefix, outside the per-row cache (no left padding). */
  sharedPrefix: boolean;
}

export interface DecodeHooks {
  /** Checked between steps. */
  aborted(): boolean;
  /** The forced continuation after a trigger token, for the chain with this index in this group. */
  force?(text: string, group: number, index: number): Promise<string | undefined> | string | undefined;
}

const decoderText = new TextDecoder();
const NO_BYTES = new Uint8Array(0);

/**
 * The decode loop. Prefill each prompt once at batch 1, share its cache with the prompt's rows (one
 * shared prefix, or copies for graphs that need them), then step all live rows together, one token per
 * row per step, dropping rows as they finish.
 *
 * @example
 * const result = await decode(model, { groups: [{ promptIds, count: 8, seed: 1, firstIndex: 0 }], ... }, hooks);
 */
export async function decode(model: DecoderModel, job: DecodeJob, hooks: DecodeHooks): Promise<DecodeResult> {
  const started = performance.now();
  const { signature, session, prefill } = model;
  // the logits width is the truth (embeddings are often padded past the tokenizer's vocabulary)
  const vocab = model.logitsWidth;
  const eos = new Set(job.ignoreEos ? [] : model.eosTokenIds);
  const stops = job.stop.filter((s) => s.length > 0).map((s) => new TextEncoder().encode(s));
  const trigger = job.forceTrigger ? new TextEncoder().encode(job.forceTrigger)[0] : undefined;
  const sampler = createSamplerChain(job.sampling, vocab);

  // ---- per-row state, by original row id (rows never move in these arrays)
  const rowCount = job.groups.reduce((sum, g) => sum + g.count, 0);
  const rowGroup = new Int32Array(rowCount);
  const rowIndex = new Int32Array(rowCount);
  const rowPosition = new Int32Array(rowCount); // position id of the row's next token
  const rowPadStart = new Int32Array(rowCount); // first cache slot holding a real token
  const rowTokens = new Int32Array(rowCount);
  const rowLogprob = new Float64Array(rowCount);
  const rowLineStart = new Int32Array(rowCount);
  const rowLength = new Int32Array(rowCount);
  const rowBytes: Uint8Array[] = [];
  const rowRng: Rng[] = [];
  const forced: number[][] = [];
  const results: DecodedChain[][] = job.groups.map(() => []);
  const width = Math.max(...job.groups.map((g) => g.promptIds.length));
  if (model.maxPositions !== undefined && width >= model.maxPositions) {
    throw new CotScError("PROMPT_TOO_LONG", `the prompt has ${width} tokens; the model takes at most ${model.maxPositions} positions`);
  }
  let promptTokens = 0;

  // ---- prefill: each prompt once, at batch 1
  const entries: PrefillEntry[] = [];
  const prefillLogits: Float32Array[] = [];
  let row = 0;
  for (let g = 0; g < job.groups.length; g++) {
    const group = job.groups[g]!;
    const length = group.promptIds.length;
    promptTokens += length;
    const empty = model.caches.empty();
    const ids = new BigInt64Array(length);
    for (let i = 0; i < length; i++) ids[i] = BigInt(group.promptIds[i]!);
    const positions = new BigInt64Array(length);
    for (let i = 0; i < length; i++) positions[i] = BigInt(i);
    const outputs = await prefill.session.run({
      ...empty.feeds(),
      ...tokenFeeds(prefill.signature, ids, positions, 1, length, new BigInt64Array(empty.maskWidth + length).fill(1n)),
    });
    const layers: Array<[ort.Tensor, ort.Tensor]> = prefill.signature.kvOutputs.map(([k, v]) => [adopt(outputs[k] as ort.Tensor), adopt(outputs[v] as ort.Tensor)]);
    entries.push({ layers, promptLength: length, rows: group.count });
    prefillLogits.push(lastLogits(outputs.logits!, 0, length, vocab));
    for (let i = 0; i < group.count; i++, row++) {
      rowGroup[row] = g;
      rowIndex[row] = group.firstIndex + i;
      rowPosition[row] = length;
      rowPadStart[row] = model.caches.sharedPrefix ? 0 : width - length;
      rowRng.push(createRng(group.seed, group.firstIndex + i));
      rowBytes.push(new Uint8Array(Math.max(64, job.maxTokens * 4)));
      forced.push([]);
    }
  }
  const cache = await model.caches.fromPrefills(entries, width, job.maxTokens);

  // ---- batch state: batch position b holds row live[b]
  const live = new Int32Array(rowCount);
  for (let i = 0; i < rowCount; i++) live[i] = i;
  let batch = rowCount;
  const keep = new Int32Array(rowCount);
  const nextToken = new Int32Array(rowCount);
  const finished = new Uint8Array(rowCount);
  const logitsRow = new Float32Array(vocab);
  const pending: number[] = [];
  // step inputs, allocated once: int64 written through int32 views (little-endian low word, high word 0);
  // the mask is as wide as the cache says (caches round their capacity up their own way), so it is
  // reallocated in the rare step that outgrows it
  const idsBuffer = new BigInt64Array(rowCount);
  const positionsBuffer = new BigInt64Array(rowCount);
  let maskBuffer = new BigInt64Array(rowCount * (width + job.maxTokens + 1));
  const ids32 = new Int32Array(idsBuffer.buffer);
  const positions32 = new Int32Array(positionsBuffer.buffer);
  let mask32 = new Int32Array(maskBuffer.buffer);
  let logits: ort.Tensor | undefined; // [batch, 1, vocab] from the last step
  let steps = 0;
  let rowSteps = 0;
  let generated = 0;

  const finish = (r: number, reason: DecodedChain["finishReason"]): void => {
    finished[r] = 1;
    results[rowGroup[r]!]!.push({
      text: decoderText.decode(rowBytes[r]!.subarray(0, rowLength[r]!)),
      tokens: rowTokens[r]!,
      finishReason: reason,
      logprob: rowLogprob[r]!,
      index: rowIndex[r]!,
    });
  };

  try {
    for (;;) {
      if (hooks.aborted()) throw new AbortError("decoding aborted");
      // ---- choose one token per live row: forced, or sampled from its logits
      pending.length = 0;
      for (let b = 0; b < batch; b++) {
        const r = live[b]!;
        let token: number;
        const queue = forced[r]!;
        if (queue.length > 0) {
          token = queue.shift()!;
        } else {
          // the row's logits, read in place when they are float32 (no copy, no view object)
          let source: Float32Array;
          let offset = 0;
          if (logits === undefined) source = prefillLogits[rowGroup[r]!]!;
          else if (logits.type === "float32") (source = logits.data as Float32Array), (offset = b * vocab);
          else (source = logitsRow), halfToFloat(logits.data as Uint16Array, logitsRow, b * vocab, vocab);
          token = sampler.sample(source, offset, rowRng[r]!);
          rowLogprob[r] = rowLogprob[r]! + logProbability(source, offset, vocab, token);
          if (eos.has(token)) {
            finish(r, "eos");
            continue;
          }
        }
        nextToken[r] = token;
        rowTokens[r] = rowTokens[r]! + 1;
        generated++;
        const bytes = model.tokenBytes[token] ?? NO_BYTES;
        const added = appendBytes(rowBytes, r, rowLength, bytes);
        const stopAt = findStop(rowBytes[r]!, rowLength[r]!, added, stops);
        if (stopAt >= 0) {
          rowLength[r] = stopAt;
          finish(r, "stop");
        } else if (job.stopAtAnswerLine && completedAnswerLine(rowBytes[r]!, rowLength, rowLineStart, r, added)) {
          finish(r, "stop");
        } else if (rowTokens[r]! >= job.maxTokens || (model.maxPositions !== undefined && rowPosition[r]! + 1 >= model.maxPositions)) {
          finish(r, "length");
        } else if (trigger !== undefined && hooks.force && queue.length === 0 && contains(bytes, trigger)) {
          pending.push(r);
        }
      }
      // ---- forced continuations (calculator): asked only after trigger tokens
      if (pending.length > 0 && hooks.force) {
        const completions = await Promise.all(
          pending.map((r) => hooks.force!(decoderText.decode(rowBytes[r]!.subarray(0, rowLength[r]!)), rowGroup[r]!, rowIndex[r]!)),
        );
        for (let i = 0; i < pending.length; i++) {
          const text = completions[i];
          if (text) forced[pending[i]!]!.push(...model.encode(text));
        }
      }
      // ---- finished rows leave the batch
      let kept = 0;
      for (let b = 0; b < batch; b++) if (!finished[live[b]!]) keep[kept++] = b;
      if (kept < batch) {
        if (kept > 0) await cache.compact(keep, kept);
        for (let i = 0; i < kept; i++) live[i] = live[keep[i]!]!;
        batch = kept;
      }
      if (batch === 0) break;

      // ---- one step for every live row
      const maskWidth = cache.maskWidth + 1; // [batch, cache slots + this token]
      if (batch * maskWidth > maskBuffer.length) {
        maskBuffer = new BigInt64Array(Math.max(2 * maskBuffer.length, batch * maskWidth));
        mask32 = new Int32Array(maskBuffer.buffer);
      }
      mask32.fill(0, 0, 2 * batch * maskWidth);
      for (let b = 0; b < batch; b++) {
        const r = live[b]!;
        ids32[2 * b] = nextToken[r]!;
        positions32[2 * b] = rowPosition[r]!;
        rowPosition[r] = rowPosition[r]! + 1;
        const base = 2 * b * maskWidth;
        for (let slot = rowPadStart[r]!; slot < cache.length; slot++) mask32[base + 2 * slot] = 1;
        mask32[base + 2 * (maskWidth - 1)] = 1;
      }
      const feeds = tokenFeeds(signature, idsBuffer.subarray(0, batch), positionsBuffer.subarray(0, batch), batch, 1,
        maskBuffer.subarray(0, batch * maskWidth));
      const outputs = await session.run({ ...cache.feeds(), ...feeds });
      cache.update(outputs, 1);
      logits = outputs.logits!;
      steps++;
      rowSteps += batch;
    }
  } finally {
    cache.dispose();
  }
  for (const chains of results) chains.sort((a, b) => a.index - b.index);
  return { groups: results, promptTokens, generatedTokens: generated, wallMs: performance.now() - started, steps, rowSteps };
}

function tokenFeeds(
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

// logits [batch, seq, vocab] → a float32 copy of one row's last position
function lastLogits(tensor: ort.Tensor, row: number, seq: number, vocab: number): Float32Array {
  const out = new Float32Array(vocab);
  const from = (row * seq + seq - 1) * vocab;
  if (tensor.type === "float16") halfToFloat(tensor.data as Uint16Array, out, from, vocab);
  else out.set((tensor.data as Float32Array).subarray(from, from + vocab));
  return out;
}

function appendBytes(buffers: Uint8Array[], r: number, lengths: Int32Array, bytes: Uint8Array): number {
  let buffer = buffers[r]!;
  const length = lengths[r]!;
  if (length + bytes.length > buffer.length) {
    // rare: tokens longer than the estimate; double the row's buffer
    const bigger = new Uint8Array(Math.max(buffer.length * 2, length + bytes.length));
    bigger.set(buffer.subarray(0, length));
    buffers[r] = buffer = bigger;
  }
  buffer.set(bytes, length);
  lengths[r] = length + bytes.length;
  return bytes.length;
}

/** Where a stop string begins if one ends within the bytes just added, else -1. */
function findStop(buffer: Uint8Array, length: number, added: number, stops: readonly Uint8Array[]): number {
  let earliest = -1;
  for (const stop of stops) {
    const first = Math.max(0, length - added - stop.length + 1);
    for (let start = first; start + stop.length <= length; start++) {
      let match = true;
      for (let i = 0; i < stop.length; i++) {
        if (buffer[start + i] !== stop[i]) {
          match = false;
          break;
        }
      }
      if (match) {
        if (earliest < 0 || start < earliest) earliest = start;
        break;
      }
    }
  }
  return earliest;
}

const HASH = 0x23;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** True once a line `#### <digits>` has been completed by a newline among the bytes just added. */
function completedAnswerLine(buffer: Uint8Array, lengths: Int32Array, lineStarts: Int32Array, r: number, added: number): boolean {
  const length = lengths[r]!;
  for (let i = length - added; i < length; i++) {
    if (buffer[i] !== NEWLINE) continue;
    const start = lineStarts[r]!;
    lineStarts[r] = i + 1;
    if (i - start >= 6 && buffer[start] === HASH && buffer[start + 1] === HASH && buffer[start + 2] === HASH && buffer[start + 3] === HASH && buffer[start + 4] === SPACE) {
      lengths[r] = i; // keep the answer line, drop its newline
      return true;
    }
  }
  return false;
}

function contains(bytes: Uint8Array, byte: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === byte) return true;
  return false;
}

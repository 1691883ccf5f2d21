import type * as ort from "onnxruntime-node";

import type { SamplingSettings } from "../sampling/index.js";
import type { KvCache, PrefillEntry } from "./kv-cache.js";
import { Scheduler } from "./scheduler.js";
import type { GraphSignature } from "./session.js";

/** One prompt and the chains to draw from it. Several groups can share one batch. */
export interface DecodeGroup {
  promptIds: readonly number[];
  count: number;
  seed: number;
  /** Chain indices are firstIndex .. firstIndex + count - 1; with the seed they fix each chain's stream. */
  firstIndex: number;
}

/** How a group's chains are sampled and when they stop; every group has its own. */
export interface GroupSettings {
  maxTokens: number;
  sampling: SamplingSettings;
  stop: readonly string[];
  /** End a chain once it completes a `#### n` line (GSM8K's answer line). */
  stopAtAnswerLine: boolean;
  /** Benchmarks only: keep sampling past EOS, so every row generates exactly maxTokens. */
  ignoreEos?: boolean;
  /** Calculator hook trigger character (see ForceHook); undefined: no hook. */
  forceTrigger?: string;
  /** Record each token's id and log-probability (for APIs that return them). */
  logprobs?: boolean;
}

/** A job for {@link decode}: groups that share one set of settings. */
export interface DecodeJob extends GroupSettings {
  groups: readonly DecodeGroup[];
}

export interface DecodedChain {
  text: string;
  tokens: number;
  finishReason: "eos" | "stop" | "length";
  logprob: number;
  index: number;
  /** With `logprobs`: every generated token's id and log-probability (0 for forced tokens). */
  tokenIds?: number[];
  tokenLogprobs?: number[];
  /** Each token's text (a token cut inside a UTF-8 character decodes to a replacement character). */
  tokenTexts?: string[];
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
   * Rows will generate at most `maxNew` tokens; `reserveRows` (an admitting cache: the row budget) is
   * room made up front for rows admitted later.
   */
  fromPrefills(entries: readonly PrefillEntry[], width: number, maxNew: number, reserveRows?: number): KvCache | Promise<KvCache>;
  /** True when the prompt lives in a shared prefix, outside the per-row cache (no left padding). */
  sharedPrefix: boolean;
  /**
   * True when rows can join a live batch (`KvCache.admit`): continuous batching. Such a cache is made
   * empty (`fromPrefills([], 0, maxNew)`) and every group is admitted into it.
   */
  admits: boolean;
}

export interface DecodeHooks {
  /** Checked between steps. */
  aborted(): boolean;
  /** The forced continuation after a trigger token, for the chain with this index in this group. */
  force?(text: string, group: number, index: number): Promise<string | undefined> | string | undefined;
}

/**
 * One decode job run to completion: every group admitted into one batch, stepped together until the
 * last row finishes (the scheduler with `continuous: false`, sized to the job). For tests, benchmarks
 * and one-off decoding; a backend serving many callers keeps one long-lived {@link Scheduler}.
 *
 * @example
 * const result = await decode(model, { groups: [{ promptIds, count: 8, seed: 1, firstIndex: 0 }], ... }, hooks);
 */
export async function decode(model: DecoderModel, job: DecodeJob, hooks: DecodeHooks): Promise<DecodeResult> {
  const started = performance.now();
  const rows = job.groups.reduce((sum, g) => sum + g.count, 0);
  const scheduler = new Scheduler(model, { maxRows: rows, continuous: false });
  try {
    const results = await Promise.all(
      job.groups.map((group, g) =>
        scheduler.submit(
          { ...group, maxTokens: job.maxTokens, sampling: job.sampling, stop: job.stop, stopAtAnswerLine: job.stopAtAnswerLine,
            ...(job.ignoreEos ? { ignoreEos: true } : {}), ...(job.forceTrigger ? { forceTrigger: job.forceTrigger } : {}),
            ...(job.logprobs ? { logprobs: true } : {}) },
          { aborted: hooks.aborted, ...(hooks.force ? { force: (text: string, index: number) => hooks.force!(text, g, index) } : {}) },
        ),
      ),
    );
    return {
      groups: results.map((r) => r.chains),
      promptTokens: results.reduce((sum, r) => sum + r.promptTokens, 0),
      generatedTokens: results.reduce((sum, r) => sum + r.generatedTokens, 0),
      wallMs: performance.now() - started,
      steps: scheduler.steps,
      rowSteps: scheduler.rowSteps,
    };
  } finally {
    await scheduler.close();
  }
}

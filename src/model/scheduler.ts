import * as ort from "onnxruntime-node";

import { AbortError, CotScError, PromptTooLongError } from "../errors.js";
import { Candidates, createRng, createSamplerChain, logProbability, type Rng, type SamplerChain } from "../sampling/index.js";
import { answerLine, maxTokens, type StopCriterion, stopStrings } from "../sampling/stop-criteria.js";
import { adopt } from "./device-tensors.js";
import { halfToFloat } from "./half-float.js";
import type { Admission, KvCache, PrefillEntry } from "./kv-cache.js";
import type { DecodedChain, DecodeGroup, DecoderModel, GroupSettings } from "./decoder.js";
import { lastLogits, tokenFeeds } from "./step-feeds.js";

/** One sequence group: `count` chains from one prompt, with its own sampling and stopping settings. */
export interface GroupRequest extends DecodeGroup, GroupSettings {}

/** A group whose prompt is text: the thread that owns the model encodes it (the tokenizer lives there). */
export type TextGroupRequest = Omit<GroupRequest, "promptIds"> & { prompt: string };

/** The token ids of a group's prompt, encoding it when it is text. */
export function promptIdsOf(group: GroupRequest | TextGroupRequest, model: Pick<DecoderModel, "encode">): GroupRequest {
  if (!("prompt" in group)) return group;
  const { prompt, ...rest } = group;
  return { ...rest, promptIds: model.encode(prompt) };
}

export interface GroupHooks {
  /** Checked between steps; an aborted group's rows leave the batch at the next step. */
  aborted(): boolean;
  /** The forced continuation after a trigger token, for the chain with this index. */
  force?(text: string, index: number): Promise<string | undefined> | string | undefined;
  /**
   * Streaming: the text a chain added, as it is written. A tail as long as the longest stop string
   * is held back until the chain goes on past it, so what is streamed is exactly the final text.
   */
  onText?(index: number, text: string): void;
}

export interface GroupResult {
  /** The group's chains in index order. */
  chains: DecodedChain[];
  promptTokens: number;
  /** Whether the prompt was prefilled for this group (false: it shared a live prompt's prefill). */
  prefilled: boolean;
  generatedTokens: number;
  /** From submission to the last chain, queueing included. */
  wallMs: number;
  /** From submission to admission into the batch: the time it waited for room. */
  queueMs: number;
  /** Decode steps while the group was live, and the live rows summed over them (all groups' rows). */
  steps: number;
  rowSteps: number;
}

export interface SchedulerOptions {
  /** The row budget: admission stops when the batch would exceed it (one larger group still runs alone). */
  maxRows: number;
  /**
   * `true` (continuous batching): new groups join between steps when the cache can take them.
   * `false`: run to completion: new groups wait until the batch is empty (the former behaviour, kept
   * for comparison).
   */
  continuous: boolean;
  /**
   * Continuous batching only: at most this many lanes (batches with a cache of their own, each run once
   * a step), so that a group arriving while older rows are far into their chains need not attend over
   * slots padded to their length. Default 4; 1 puts every row in one batch.
   */
  lanes?: number;
  /**
   * Continuous batching only: a group joins the youngest live lane while its rows times that lane's
   * written slots stay within this many (the masked padding they would attend costs less than a graph
   * run of their own). Default {@link JOIN_ROW_SLOTS}; 0 gives every group arriving mid-chain a lane.
   */
  joinRowSlots?: number;
  /**
   * Hand the graph output buffers kept per lane and batch width, where the cache's outputs keep their
   * shapes (the split cache). Default true; false allocates every run's outputs (the former behaviour,
   * kept for `bench/bound-outputs.ts`).
   */
  bindOutputs?: boolean;
}

export interface SchedulerStats {
  steps: number;
  /** Graph runs: one per live lane per step. */
  runs: number;
  /** Live rows summed over the steps: `rowSteps / steps` is the mean batch. */
  rowSteps: number;
  /**
   * Cache slots attended, summed over the steps' rows (masked ones included): `slotSteps / rowSteps`
   * is the mean attention span of a row, the part of a step's cost that grows with the cache.
   */
  slotSteps: number;
  /**
   * Where the loop's time went, in milliseconds: admitting groups (prefills, cache admissions), choosing
   * tokens (sampling, stopping rules), dropping finished rows (cache compaction), and the graph runs.
   */
  loopMs: { admit: number; choose: number; drop: number; step: number };
  liveRows: number;
  queuedGroups: number;
}

/** A prompt that live rows sample from: its prefill (logits, cache entries), and how many rows do. */
interface LivePrompt {
  readonly key: string;
  readonly logits: Float32Array;
  /**
   * Continuous batching (host caches): kept while the prompt is live, so that a group joining another
   * lane is not prefilled again. Run-to-completion batches hand each prefill to the cache, which may
   * release it (device tensors).
   */
  readonly entry: PrefillEntry | undefined;
  rows: number;
}

/**
 * A batch with a cache of its own. Every row of a lane attends over the lane's longest row's slots
 * (masked past its own end), so rows that start close together share one: a group that arrives while
 * the others are hundreds of tokens in starts a lane of its own (its rows would otherwise pay those
 * hundreds of masked slots at every step) and costs one more graph run a step instead.
 */
interface Lane {
  cache: KvCache | undefined;
  rows: Row[];
  /** The last step's logits, one row per lane row. */
  logits: ort.Tensor | undefined;
  /** Output buffers the graph writes into (caches with fixed outputs), made for one batch width. */
  outputs?: { batch: number; fetches: Record<string, ort.Tensor> };
}

interface LiveGroup {
  readonly request: GroupRequest;
  readonly hooks: GroupHooks;
  readonly sampler: SamplerChain;
  readonly criteria: readonly StopCriterion[];
  readonly eos: ReadonlySet<number>;
  readonly trigger: number | undefined;
  /** Bytes of a chain's end held back from streaming (a stop string may be forming there). */
  readonly holdBack: number;
  readonly chains: DecodedChain[];
  readonly submitted: number;
  admitted: number;
  readonly resolve: (result: GroupResult) => void;
  readonly reject: (error: Error) => void;
  prompt: LivePrompt | undefined;
  prefilled: boolean;
  remaining: number;
  generated: number;
  steps: number;
  rowSteps: number;
  failed: boolean;
}

/** One live chain. Allocated when its group is admitted, never per token. */
interface Row {
  readonly group: LiveGroup;
  readonly index: number;
  readonly rng: Rng;
  readonly forced: number[];
  /** Prefill logits, until the row's first token is chosen. */
  first: Float32Array | undefined;
  /** Position id of the row's next token; its first cache slot (earlier slots are masked for it). */
  position: number;
  start: number;
  tokens: number;
  logprob: number;
  bytes: Uint8Array;
  length: number;
  /** Bytes already streamed (`onText`). */
  sent: number;
  /** With `logprobs`: each token's id and log-probability, allocated for `maxTokens` at admission. */
  ids: Int32Array | undefined;
  logprobs: Float64Array | undefined;
  next: number;
  done: boolean;
}

/**
 * A group joins the youngest live lane while its rows × the lane's written slots are at most this many;
 * past it, a lane of its own. The trade: the new rows attend the lane's longer, masked slots until its
 * older rows finish (new rows write from slot 0, see SplitKvCache), against a graph run more at every step
 * of their lives. It was a fixed 64 slots whatever the group's size, the same as 1,280 for 20-row groups.
 * Measured side by side (bench:batching, shipped model, 2 threads, two runs): 3,400 row-slots (a graph
 * run's fixed cost over a row-slot's, ≈ 1.2 ms / 0.35 µs) decoded a problem set of 20-row groups 0.86–0.88×
 * as fast as 1,280 or the 64-slot rule (fewer runs, 1.65 a step against 2.04, but more slots a row, 393
 * against 369); for overloaded 8-row requests the runs disagreed (±20%) on which rule is fastest.
 */
export const JOIN_ROW_SLOTS = 1280;
const DEFAULT_LANES = 4;

const decoderText = new TextDecoder();
const NO_BYTES = new Uint8Array(0);
const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The decode loop as a long-lived scheduler (what vLLM calls continuous batching): sequence groups are
 * submitted at any time and join the batch between steps; finished rows leave it; the batch is kept
 * full up to a row budget. Every group has its own sampling, stop strings and token limit, every row its
 * own seeded random stream, so a seeded group draws the same chains alone or amid other traffic.
 * A prompt that live rows already sample from is not prefilled again (shared-prefix caches).
 *
 * Rows live in lanes (see {@link Lane}): batches with a cache of their own, so a group that arrives
 * while others are far into their chains does not attend over their padding.
 *
 * One step, top to bottom: admit waiting groups; choose each live row's token (forced, or sampled from
 * its logits) and apply the stopping rules; drop finished rows; run the graph once per live lane.
 *
 * @example
 * const scheduler = new Scheduler(model, { maxRows: 64, continuous: true });
 * const { chains } = await scheduler.submit({ promptIds, count: 8, seed: 1, firstIndex: 0, maxTokens: 256,
 *   sampling: { temperature: 0.7, topK: 0, topP: 1 }, stop: ["\n\n"], stopAtAnswerLine: true }, { aborted: () => false });
 */
export class Scheduler {
  private readonly waiting: LiveGroup[] = [];
  private lanes: Lane[] = [];
  private readonly prompts = new Map<string, LivePrompt>();
  private readonly candidates: Candidates;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Decode steps run (one token for every live row), graph runs, and live rows summed over the steps. */
  steps = 0;
  runs = 0;
  rowSteps = 0;
  slotSteps = 0;
  readonly loopMs = { admit: 0, choose: 0, drop: 0, step: 0 };

  // step inputs, grown when the batch or the mask outgrows them, never per token
  private ids = new BigInt64Array(64);
  private positions = new BigInt64Array(64);
  private mask = new BigInt64Array(64 * 64);
  private readonly keep: Int32Array;
  private readonly logitsRow: Float32Array;

  constructor(
    private readonly model: DecoderModel,
    private readonly options: SchedulerOptions,
  ) {
    this.candidates = new Candidates(model.logitsWidth);
    this.logitsRow = new Float32Array(model.logitsWidth);
    this.keep = new Int32Array(Math.max(options.maxRows, 1) * 4);
  }

  /** Whether groups join a live batch: the option, where the model's cache can take new rows. */
  private get continuous(): boolean {
    return this.options.continuous && this.model.caches.admits;
  }

  /** Queues a group; resolves with its chains when the last one finishes. */
  submit(request: GroupRequest, hooks: GroupHooks): Promise<GroupResult> {
    if (this.closed) return Promise.reject(new CotScError("SCHEDULER_CLOSED", "the decoder is closed"));
    const limit = this.model.maxPositions;
    if (limit !== undefined && request.promptIds.length >= limit) {
      return Promise.reject(new PromptTooLongError(request.promptIds.length, limit, `${request.promptIds.length} tokens`));
    }
    const vocab = this.model.logitsWidth;
    return new Promise((resolve, reject) => {
      const criteria = [stopStrings(request.stop), request.stopAtAnswerLine ? answerLine() : undefined, maxTokens(request.maxTokens)];
      this.waiting.push({
        request,
        hooks,
        sampler: createSamplerChain(request.sampling, vocab, this.candidates),
        criteria: criteria.filter((c): c is StopCriterion => c !== undefined),
        eos: new Set(request.ignoreEos ? [] : this.model.eosTokenIds),
        trigger: request.forceTrigger ? new TextEncoder().encode(request.forceTrigger)[0] : undefined,
        holdBack: Math.max(1, ...request.stop.map((stop) => new TextEncoder().encode(stop).length)),
        chains: [],
        submitted: performance.now(),
        admitted: 0,
        resolve,
        reject,
        prompt: undefined,
        prefilled: false,
        remaining: request.count,
        generated: 0,
        steps: 0,
        rowSteps: 0,
        failed: false,
      });
      this.wake?.();
      // why: one turn later, so that groups submitted together are admitted together
      this.running ??= yieldTurn()
        .then(() => this.loop())
        .finally(() => (this.running = undefined));
    });
  }

  /** Decode steps so far, live rows summed over them, and what is live and queued now. */
  stats(): SchedulerStats {
    return { steps: this.steps, runs: this.runs, rowSteps: this.rowSteps, slotSteps: this.slotSteps, liveRows: this.liveRows(), queuedGroups: this.waiting.length, loopMs: { ...this.loopMs } };
  }

  private liveRows(): number {
    let rows = 0;
    for (const lane of this.lanes) rows += lane.rows.length;
    return rows;
  }

  /** Rejects what is queued or live and stops the loop. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new AbortError("the decoder was closed"));
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        // why timed: under load the four parts compete for one loop (bench:batching reports them)
        let start = performance.now();
        await this.admit();
        this.loopMs.admit += performance.now() - start;
        if (this.liveRows() === 0) {
          if (this.waiting.length > 0) continue;
          // a continuous cache is kept for the next admission (its buffers are reused); others are rebuilt
          if (!this.continuous) this.dropLanes();
          // idle until the next submission
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        start = performance.now();
        for (const lane of this.lanes) if (lane.rows.length > 0) await this.chooseTokens(lane);
        this.loopMs.choose += performance.now() - start;
        start = performance.now();
        // backwards: an emptied lane may leave the list
        for (let i = this.lanes.length - 1; i >= 0; i--) if (this.lanes[i]!.rows.length > 0) await this.dropFinished(this.lanes[i]!);
        this.loopMs.drop += performance.now() - start;
        start = performance.now();
        let batch = 0;
        for (const lane of this.lanes) {
          if (lane.rows.length === 0) continue;
          await this.step(lane);
          batch += lane.rows.length;
        }
        this.loopMs.step += performance.now() - start;
        if (batch > 0) this.countStep(batch);
        // why: a worker's messages (new groups, aborts) arrive as events; let them in between steps
        await yieldTurn();
      } catch (error) {
        // the caches' state is unknown after a failed step: fail what is live, keep serving the queue
        for (const lane of this.lanes) for (const row of lane.rows) this.fail(row.group, error as Error);
        this.prompts.clear();
        this.dropLanes();
      }
    }
    // why: closed between steps; a device cache is not garbage collected, so it goes with the loop
    this.dropLanes();
  }

  /** Admits waiting groups, first come first served, while they fit the row budget. */
  private async admit(): Promise<void> {
    if (this.waiting.length === 0) return;
    const live = this.liveRows();
    const continuous = this.continuous;
    if (live > 0 && !continuous) return;
    const admitted: LiveGroup[] = [];
    let rows = live;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (next.hooks.aborted()) {
        this.waiting.shift();
        this.fail(next, new AbortError("decoding aborted"));
        continue;
      }
      // one group larger than the budget still runs, alone
      if (rows > 0 && rows + next.request.count > this.options.maxRows) break;
      this.waiting.shift();
      admitted.push(next);
      rows += next.request.count;
    }
    if (admitted.length === 0) return;
    if (continuous) {
      for (const group of admitted) {
        try {
          await this.join(group);
        } catch (error) {
          // why: a group that could not join is in no lane, where the loop's recovery would reject it
          const prompt = group.prompt;
          if (prompt !== undefined && (prompt.rows -= group.request.count) <= 0) this.prompts.delete(prompt.key);
          this.fail(group, error as Error);
        }
      }
      return;
    }

    // run to completion: a fresh left-padded batch, every prompt copied to its rows
    this.dropLanes();
    const entries: PrefillEntry[] = [];
    const width = Math.max(...admitted.map((g) => g.request.promptIds.length));
    let cache: KvCache;
    try {
      for (const group of admitted) {
        const key = group.request.promptIds.join(",");
        const prefill = await this.prefill(group.request.promptIds);
        const prompt = this.prompts.get(key) ?? { key, logits: prefill.logits, entry: undefined, rows: 0 };
        this.prompts.set(key, prompt);
        entries.push({ ...prefill.entry, rows: group.request.count });
        group.prefilled = true;
        group.prompt = prompt;
        prompt.rows += group.request.count;
      }
      const maxNew = Math.max(...admitted.map((g) => g.request.maxTokens));
      cache = await this.model.caches.fromPrefills(entries, width, maxNew);
    } catch (error) {
      // why: the admitted groups are in no lane yet (and nothing else is live), so they fail here
      this.prompts.clear();
      for (const group of admitted) this.fail(group, error as Error);
      return;
    }
    const lane: Lane = { cache, rows: [], logits: undefined };
    this.lanes.push(lane);
    const shared = this.model.caches.sharedPrefix;
    for (const group of admitted) this.addRows(lane, group, shared ? 0 : width - group.request.promptIds.length);
  }

  /**
   * Continuous batching: the group's rows join a lane (see {@link Lane}): a live one whose rows are
   * still young, else an empty one, else a new one while there are fewer than `lanes`, else the youngest.
   * A prompt that rows of the lane sample from is shared there; one live in another lane is not
   * prefilled again.
   */
  private async join(group: LiveGroup): Promise<void> {
    const lane = await this.laneFor(group);
    const cache = lane.cache!;
    const key = group.request.promptIds.join(",");
    const sharedRow = this.prompts.has(key) ? lane.rows.findIndex((row) => row.group.prompt!.key === key) : -1;
    const prompt = await this.promptOf(group);
    const admission: Admission = sharedRow >= 0 ? { sameAs: sharedRow, rows: group.request.count } : { entry: { ...prompt.entry!, rows: group.request.count } };
    // room for the most slots a row may still need: live rows' remaining tokens, or a new row's all
    let slots = group.request.maxTokens;
    for (let b = 0; b < lane.rows.length; b++) {
      const row = lane.rows[b]!;
      slots = Math.max(slots, cache.slotEnd!(b) + row.group.request.maxTokens - row.tokens);
    }
    cache.admit!([admission], slots + 1);
    this.addRows(lane, group, 0);
  }

  private async laneFor(group: LiveGroup): Promise<Lane> {
    let youngest: Lane | undefined;
    let empty: Lane | undefined;
    for (const lane of this.lanes) {
      if (lane.rows.length === 0) empty ??= lane;
      else if (youngest === undefined || lane.cache!.length < youngest.cache!.length) youngest = lane;
    }
    if (youngest !== undefined && group.request.count * youngest.cache!.length <= (this.options.joinRowSlots ?? JOIN_ROW_SLOTS)) return youngest;
    if (empty !== undefined) return empty;
    if (youngest === undefined || this.lanes.length < (this.options.lanes ?? DEFAULT_LANES)) {
      const lane: Lane = { cache: await this.model.caches.fromPrefills([], 0, group.request.maxTokens, this.options.maxRows), rows: [], logits: undefined };
      this.lanes.push(lane);
      return lane;
    }
    return youngest;
  }

  /** Continuous batching: the group's live prompt, prefilled once at batch 1 or shared with live rows. */
  private async promptOf(group: LiveGroup): Promise<LivePrompt> {
    const key = group.request.promptIds.join(",");
    let prompt = this.prompts.get(key);
    if (prompt === undefined) {
      const { entry, logits } = await this.prefill(group.request.promptIds);
      prompt = { key, logits, entry, rows: 0 };
      this.prompts.set(key, prompt);
      group.prefilled = true;
    }
    group.prompt = prompt;
    prompt.rows += group.request.count;
    return prompt;
  }

  private addRows(lane: Lane, group: LiveGroup, start: number): void {
    const { request } = group;
    group.admitted = performance.now();
    for (let i = 0; i < request.count; i++) {
      lane.rows.push({
        group,
        index: request.firstIndex + i,
        rng: createRng(request.seed, request.firstIndex + i),
        forced: [],
        first: group.prompt!.logits,
        position: request.promptIds.length,
        start,
        tokens: 0,
        logprob: 0,
        bytes: new Uint8Array(Math.max(64, request.maxTokens * 4)),
        length: 0,
        sent: 0,
        ids: request.logprobs ? new Int32Array(request.maxTokens) : undefined,
        logprobs: request.logprobs ? new Float64Array(request.maxTokens) : undefined,
        next: 0,
        done: false,
      });
    }
  }

  private async prefill(promptIds: readonly number[]): Promise<{ entry: PrefillEntry; logits: Float32Array }> {
    const { prefill, logitsWidth: vocab } = this.model;
    const length = promptIds.length;
    const empty = this.model.caches.empty();
    const ids = new BigInt64Array(length);
    const positions = new BigInt64Array(length);
    for (let i = 0; i < length; i++) {
      ids[i] = BigInt(promptIds[i]!);
      positions[i] = BigInt(i);
    }
    const outputs = await prefill.session.run({
      ...empty.feeds(),
      ...tokenFeeds(prefill.signature, ids, positions, 1, length, new BigInt64Array(empty.maskWidth + length).fill(1n)),
    });
    const layers: Array<[ort.Tensor, ort.Tensor]> = prefill.signature.kvOutputs.map(([k, v]) => [adopt(outputs[k] as ort.Tensor), adopt(outputs[v] as ort.Tensor)]);
    return { entry: { layers, promptLength: length, rows: 1 }, logits: lastLogits(outputs.logits!, 0, length, vocab) };
  }

  /** One token per live row of the lane: forced, or sampled from its logits; then the stopping rules. */
  private async chooseTokens(lane: Lane): Promise<void> {
    const { model } = this;
    const vocab = model.logitsWidth;
    const { logits, rows } = lane;
    let pending: Row[] | undefined;
    for (let b = 0; b < rows.length; b++) {
      const row = rows[b]!;
      const group = row.group;
      if (group.failed || group.hooks.aborted()) {
        this.fail(group, new AbortError("decoding aborted"));
        row.done = true;
        continue;
      }
      let token: number;
      let logprob = 0;
      if (row.forced.length > 0) {
        token = row.forced.shift()!;
      } else {
        // the row's logits, read in place when they are float32 (no copy, no view object)
        let source: Float32Array;
        let offset = 0;
        if (row.first !== undefined) source = row.first;
        else if (logits!.type === "float32") (source = logits!.data as Float32Array), (offset = b * vocab);
        else (source = this.logitsRow), halfToFloat(logits!.data as Uint16Array, this.logitsRow, b * vocab, vocab);
        row.first = undefined;
        token = group.sampler.sample(source, offset, row.rng);
        if (group.eos.has(token)) {
          this.finish(row, "eos");
          continue;
        }
        // why: the sum over the tokens the chain has (not its end-of-sequence), as OpenAI-style servers
        // report log-probabilities, so a remote chain's log-prob vote is the same as a local one's
        logprob = logProbability(source, offset, vocab, token);
        row.logprob += logprob;
      }
      row.next = token;
      if (row.ids !== undefined && row.tokens < row.ids.length) {
        row.ids[row.tokens] = token;
        row.logprobs![row.tokens] = logprob;
      }
      row.tokens += 1;
      group.generated += 1;
      const bytes = model.tokenBytes[token] ?? NO_BYTES;
      const added = this.append(row, bytes);
      let stopped = false;
      for (const criterion of group.criteria) {
        const keep = criterion.check(row.bytes, row.length, added, row.tokens);
        if (keep >= 0) {
          row.length = keep;
          this.finish(row, criterion.reason);
          stopped = true;
          break;
        }
      }
      if (stopped) continue;
      if (group.hooks.onText && row.length - group.holdBack > row.sent) this.stream(row, row.length - group.holdBack);
      if (model.maxPositions !== undefined && row.position + 1 >= model.maxPositions) this.finish(row, "length");
      else if (group.trigger !== undefined && group.hooks.force && row.forced.length === 0 && contains(bytes, group.trigger)) (pending ??= []).push(row);
    }
    // forced continuations (calculator): asked only after trigger tokens
    if (pending !== undefined) {
      const completions = await Promise.all(pending.map((row) => row.group.hooks.force!(decoderText.decode(row.bytes.subarray(0, row.length)), row.index)));
      for (let i = 0; i < pending.length; i++) {
        const text = completions[i];
        if (text) pending[i]!.forced.push(...this.model.encode(text));
      }
    }
  }

  /**
   * Finished rows leave the lane (and its cache); prompts no row samples from are forgotten. An emptied
   * continuous lane keeps its cache for the next admission (its buffers are reused) unless another
   * empty lane already does.
   */
  private async dropFinished(lane: Lane): Promise<void> {
    const { rows } = lane;
    let kept = 0;
    const keep = rows.length > this.keep.length ? new Int32Array(rows.length) : this.keep;
    for (let b = 0; b < rows.length; b++) if (!rows[b]!.done) keep[kept++] = b;
    if (kept === rows.length) return;
    for (const row of rows) {
      if (!row.done) continue;
      const prompt = row.group.prompt;
      if (prompt !== undefined && --prompt.rows === 0) this.prompts.delete(prompt.key);
    }
    lane.rows = rows.filter((row) => !row.done);
    if (kept > 0) {
      await lane.cache!.compact(keep, kept);
      return;
    }
    lane.logits = undefined;
    if (!this.continuous || this.lanes.some((other) => other !== lane && other.rows.length === 0)) {
      lane.cache?.dispose();
      this.lanes.splice(this.lanes.indexOf(lane), 1);
    } else {
      // kept, so it must know its rows are gone too
      await lane.cache!.compact(keep, 0);
    }
  }

  /** Counts one decode step: `batch` live rows over all lanes, for the scheduler and each live group. */
  private countStep(batch: number): void {
    this.steps += 1;
    this.rowSteps += batch;
    // a group's rows are contiguous in its lane (admitted together, kept in order)
    let last: LiveGroup | undefined;
    for (const lane of this.lanes) {
      for (const row of lane.rows) {
        if (row.group === last) continue;
        last = row.group;
        last.steps += 1;
        last.rowSteps += batch;
      }
    }
  }

  /** One graph run for every live row of the lane. */
  private async step(lane: Lane): Promise<void> {
    const cache = lane.cache!;
    const batch = lane.rows.length;
    const maskWidth = cache.maskWidth + 1; // [batch, cache slots + this token]
    if (batch > this.ids.length) {
      this.ids = new BigInt64Array(2 * batch);
      this.positions = new BigInt64Array(2 * batch);
    }
    if (batch * maskWidth > this.mask.length) this.mask = new BigInt64Array(Math.max(2 * this.mask.length, batch * maskWidth));
    // int64 written through int32 views (little-endian low word, high word 0)
    const ids32 = new Int32Array(this.ids.buffer);
    const positions32 = new Int32Array(this.positions.buffer);
    const mask32 = new Int32Array(this.mask.buffer);
    mask32.fill(0, 0, 2 * batch * maskWidth);
    for (let b = 0; b < batch; b++) {
      const row = lane.rows[b]!;
      ids32[2 * b] = row.next;
      positions32[2 * b] = row.position;
      row.position += 1;
      const base = 2 * b * maskWidth;
      const end = cache.slotEnd ? cache.slotEnd(b) : cache.length;
      for (let slot = row.start; slot < end; slot++) mask32[base + 2 * slot] = 1;
      mask32[base + 2 * (maskWidth - 1)] = 1;
    }
    const feeds = tokenFeeds(this.model.signature, this.ids.subarray(0, batch), this.positions.subarray(0, batch), batch, 1, this.mask.subarray(0, batch * maskWidth));
    const attended = cache.attendedSlots;
    // why: onnxruntime allocates every output of every run unless it is handed buffers; the split
    // cache's outputs keep their shapes while the batch does, so a lane keeps one set per batch width
    const bound = lane.outputs?.batch === batch ? lane.outputs.fetches : undefined;
    const inputs = { ...cache.feeds(), ...feeds };
    const outputs = bound ? await this.model.session.run(inputs, bound) : await this.model.session.run(inputs);
    if (bound === undefined && cache.fixedOutputs && this.options.bindOutputs !== false) lane.outputs = { batch, fetches: emptyLike(outputs) };
    cache.update(outputs, 1);
    lane.logits = outputs.logits!;
    this.runs += 1;
    this.slotSteps += batch * attended;
  }

  private append(row: Row, bytes: Uint8Array): number {
    if (row.length + bytes.length > row.bytes.length) {
      // rare: tokens longer than the estimate; double the row's buffer
      const bigger = new Uint8Array(Math.max(row.bytes.length * 2, row.length + bytes.length));
      bigger.set(row.bytes.subarray(0, row.length));
      row.bytes = bigger;
    }
    row.bytes.set(bytes, row.length);
    row.length += bytes.length;
    return bytes.length;
  }

  /** Streams the row's text up to byte `end`, stopping short of a UTF-8 character cut in two. */
  private stream(row: Row, end: number): void {
    let cut = end;
    while (cut > row.sent && (row.bytes[cut]! & 0xc0) === 0x80 && cut < row.length) cut--;
    if (cut <= row.sent) return;
    row.group.hooks.onText!(row.index, decoderText.decode(row.bytes.subarray(row.sent, cut)));
    row.sent = cut;
  }

  private finish(row: Row, reason: DecodedChain["finishReason"]): void {
    row.done = true;
    const group = row.group;
    if (group.failed) return;
    if (group.hooks.onText && row.length > row.sent) this.stream(row, row.length);
    const chain: DecodedChain = { text: decoderText.decode(row.bytes.subarray(0, row.length)), tokens: row.tokens, finishReason: reason, logprob: row.logprob, index: row.index };
    if (row.ids !== undefined) {
      const count = Math.min(row.tokens, row.ids.length);
      chain.tokenIds = Array.from(row.ids.subarray(0, count));
      chain.tokenLogprobs = Array.from(row.logprobs!.subarray(0, count));
      chain.tokenTexts = chain.tokenIds.map((id) => decoderText.decode(this.model.tokenBytes[id] ?? NO_BYTES));
    }
    group.chains.push(chain);
    if (--group.remaining > 0) return;
    group.chains.sort((a, b) => a.index - b.index);
    group.resolve({
      chains: group.chains,
      promptTokens: group.request.promptIds.length,
      prefilled: group.prefilled,
      generatedTokens: group.generated,
      wallMs: performance.now() - group.submitted,
      queueMs: group.admitted - group.submitted,
      steps: group.steps,
      rowSteps: group.rowSteps,
    });
  }

  private fail(group: LiveGroup, error: Error): void {
    if (group.failed) return;
    group.failed = true;
    group.reject(error);
  }

  private failAll(error: Error): void {
    for (const group of this.waiting.splice(0)) this.fail(group, error);
    for (const lane of this.lanes) {
      for (const row of lane.rows) {
        this.fail(row.group, error);
        row.done = true;
      }
    }
  }

  private dropLanes(): void {
    for (const lane of this.lanes) lane.cache?.dispose();
    this.lanes = [];
  }
}

/** Zero-filled tensors of the outputs' types and shapes, for the graph to write the next step's into. */
function emptyLike(outputs: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> {
  const fetches: Record<string, ort.Tensor> = {};
  for (const [name, value] of Object.entries(outputs)) {
    const data = value.data as Float32Array | Uint16Array; // float32, or float16 as raw bits
    const empty = data instanceof Float32Array ? new Float32Array(data.length) : new Uint16Array(data.length);
    fetches[name] = new ort.Tensor(value.type as ort.Tensor.Type, empty, value.dims);
  }
  return fetches;
}

function contains(bytes: Uint8Array, byte: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === byte) return true;
  return false;
}

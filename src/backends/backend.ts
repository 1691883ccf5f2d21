/** Why a chain stopped: the model's end-of-sequence token, a stop string, or the token limit. */
export type FinishReason = "eos" | "stop" | "length";

/** One sampled reasoning chain, as every backend returns it. */
export interface SampledChain {
  /** The generated text, without the prompt and without the stop string that ended it. */
  text: string;
  /** Generated tokens (for the replay backend: characters / 4, an estimate, flagged in `warnings`). */
  tokens: number;
  finishReason: FinishReason;
  /** Sum of the log-probabilities of the sampled tokens under the unmodified model distribution. */
  logprob: number;
  /** The chain's index among the problem's chains; with the seed it fixes the chain's random stream. */
  index: number;
  /** When the request asked for `logprobs`: each token's text and log-probability, where the backend has them. */
  tokenLogprobs?: Array<{ token: string; logprob: number }>;
}

/** What one `sampleChains` call cost. */
export interface SampleUsage {
  promptTokens: number;
  generatedTokens: number;
  /** Wall time of the sampling itself (model loading excluded), queueing included. */
  wallMs: number;
  /** Of `wallMs`, the time the request waited before decoding began (backends that queue say so). */
  queueMs?: number;
}

/**
 * Forced continuations (calculator-assisted decoding): after a token whose text contains `trigger`, the
 * backend calls `complete` with the chain's text so far; a returned string is appended to the chain as if
 * the model had written it (tokenized and fed one token per step, in lockstep with the other rows; those
 * tokens add nothing to the chain's log-probability), then sampling goes on.
 */
export interface ForceHook {
  /** One character; the hook is consulted only after tokens containing it (cheap to test per token). */
  trigger: string;
  complete(chainText: string, chainIndex: number): string | undefined | Promise<string | undefined>;
}

/** One request: `count` chains for one prompt. */
export interface SampleRequest {
  prompt: string;
  count: number;
  maxTokens: number;
  /** `<= 0` means greedy. */
  temperature: number;
  /** `<= 0` means no top-k filter. */
  topK: number;
  /** `>= 1` means no top-p filter. */
  topP: number;
  seed: number;
  /** Index of the first chain (chains are numbered firstIndex .. firstIndex + count - 1). Default 0. */
  firstIndex?: number;
  /** Strings that end a chain (the chain's text stops before them). */
  stop: readonly string[];
  signal?: AbortSignal;
  force?: ForceHook;
  /** Replay backend only: which recorded problem to serve (its id). */
  problemId?: string;
  /** Return each token's log-probability (`SampledChain.tokenLogprobs`), where the backend can. */
  logprobs?: boolean;
  /** Streaming: text each chain adds, as it is written (exactly the final text, in order). */
  onText?: (chainIndex: number, text: string) => void;
}

export interface SampleResult {
  chains: SampledChain[];
  usage: SampleUsage;
  /** Settings the backend could not honour, said out loud rather than dropped. */
  warnings: string[];
}

/**
 * What `run/` sees of a model: one call that turns a prompt into `count` sampled chains.
 * Backends: `onnx` (the batched ONNX sampler) and `replay` (recorded chains from a JSONL file).
 */
export interface Backend {
  readonly name: string;
  /** Whether the backend formats prompts itself (replay ignores the prompt and serves by problem id). */
  readonly needsPrompt: boolean;
  sampleChains(request: SampleRequest): Promise<SampleResult>;
  close(): Promise<void>;
}

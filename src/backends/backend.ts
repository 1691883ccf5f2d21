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
  /** Who produced the chain, where the backend knows (replay: the recorded model and prompt, e.g. `gpt4_COT`). */
  source?: string;
}

/** What one `sampleChains` call cost. */
export interface SampleUsage {
  promptTokens: number;
  generatedTokens: number;
  /** Wall time of the sampling itself (model loading excluded), queueing included. */
  wallMs: number;
  /** Of `wallMs`, the time the request waited before decoding began (backends that queue say so). */
  queueMs?: number;
  /** Of `promptTokens`, those not computed again: a live identical prompt's prefill was shared. */
  cachedPromptTokens?: number;
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
  /**
   * Where a decode worker can load this same hook itself (the module's URL and the export's name), so it
   * runs beside the decode loop with no round trip to the caller's thread; without it, or where the
   * module cannot be loaded there, the worker asks the caller.
   */
  module?: { url: string; name: string };
}

/** One chat turn, for backends that render chat prompts (`capabilities.chat`). */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One request: `count` chains for one prompt. */
export interface SampleRequest {
  /**
   * The text the model continues, or chat messages, which the backend that owns the tokenizer renders
   * with its model's chat template (only where `capabilities.chat`).
   */
  prompt: string | readonly ChatMessage[];
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

/** Something a backend could not do as asked, said out loud rather than dropped. */
export type BackendWarning =
  | { type: "unsupported-setting"; setting: string; message: string }
  | { type: "estimate"; field: string; message: string }
  | { type: "other"; message: string };

export interface SampleResult {
  chains: SampledChain[];
  usage: SampleUsage;
  /** Settings the backend could not honour, estimates it had to make. */
  warnings: BackendWarning[];
}

/** A backend's own sampling defaults (a model's generation_config.json), used where a request sets none. */
export interface BackendDefaults {
  temperature?: number;
  topK?: number;
  topP?: number;
  maxTokens?: number;
}

/** What a backend can do, so the engine asks only for what it gets. */
export interface BackendCapabilities {
  /** Renders chat messages with the model's chat template (`prompt` may be `ChatMessage[]`). */
  chat: boolean;
  /** Per-token log-probabilities (`logprobs`). */
  logprobs: boolean;
  /** Forced continuations (the calculator hook). */
  force: boolean;
  /** A seeded request is reproducible. */
  seeded: boolean;
}

/** Where a backend's chains come from, for results files and reports (what a resume must match). */
export interface BackendDescription {
  /** The model directory (absolute) and its graph's content hash, for a local model. */
  model?: string;
  graphSha256?: string;
  graph?: string;
  layout?: string;
  device?: string;
  deviceReasons?: string[];
  /** The recorded-chains file (absolute), for replay. */
  recorded?: string;
  /** The server and the model it serves, for a remote backend. */
  remote?: { baseUrl: string; model: string };
  /** An ensemble's members, each described. */
  members?: Array<{ name: string } & Omit<BackendDescription, "members">>;
}

/**
 * What `run/` sees of a model (the spec every provider implements, in the spirit of the Vercel AI
 * SDK's provider spec): one call that turns a prompt into `count` sampled chains, and what the backend
 * declares about itself. Providers: `onnx` (the batched ONNX sampler), `replay` (recorded chains from a
 * JSONL file), `openai` (an OpenAI-compatible server). The composition roots (the CLI, `createEngine`
 * in the package's index) build them; `run/` only receives one.
 */
export interface Backend {
  readonly name: string;
  /** Whether the backend formats prompts itself (replay ignores the prompt and serves by problem id). */
  readonly needsPrompt: boolean;
  readonly defaults: BackendDefaults;
  readonly capabilities: BackendCapabilities;
  /** The prompt set the model was trained on (its `cot-sc.json`), when it says. */
  readonly promptSet?: string;
  readonly description: BackendDescription;
  sampleChains(request: SampleRequest): Promise<SampleResult>;
  close(): Promise<void>;
}

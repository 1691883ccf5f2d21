/**
 * cot-sc: chain-of-thought reasoning with self-consistency on ONNX decoders.
 *
 * @example
 * import { createEngine } from "cot-sc";
 * const engine = await createEngine();                       // the shipped model
 * const result = await engine.solve("Dad bought 30 apples ...", { samples: 20 });
 * console.log(result.answer, result.voteShare);
 * await engine.close();
 */
export { createEngine } from "./engine.js";
export { engineOn, summarize, VERSION } from "./run/index.js";
export type {
  ChainReport,
  Engine,
  EngineOptions,
  ProblemResult,
  RuleOutcome,
  RunOptions,
  RunSettings,
  RunSummary,
  SolveOptions,
  StoppingOptions,
  VoteEntry,
  VoteRuleName,
} from "./run/index.js";
export type {
  Backend,
  BackendCapabilities,
  BackendDefaults,
  BackendDescription,
  BackendWarning,
  ChatMessage,
  FinishReason,
  ForceHook,
  SampledChain,
  SampleRequest,
  SampleResult,
  SampleUsage,
} from "./backends/backend.js";
export { createOnnxBackend, type OnnxBackend, type OnnxBackendOptions } from "./backends/onnx.js";
export { createReplayBackend } from "./backends/replay.js";
export { createOpenAIBackend, RemoteBackendError, type OpenAIBackendOptions } from "./backends/openai.js";
export { createEnsembleBackend, type EnsembleMember } from "./backends/ensemble.js";
export { readProblems, type Problem, type ReadProblemsOptions } from "./problems/index.js";
export { buildChatPrompt, buildPrompt, loadPromptSet, type PromptSet } from "./prompt/index.js";
export { calculatorResult, extractAnswer, verifyChain, type ChainVerdict, type StepVerdict } from "./verify/index.js";
export { adaptiveRule, escRule, fixedRule, vote, votedAtK, voteAll, type StoppingRule, type VoteInput, type VoteResult } from "./vote/index.js";
export { SHIPPED_MODEL } from "./model/index.js";
export { AbortError, CotScError, DeviceError, FileError, InputError, ModelLoadError, OptionsError, ProblemError, PromptTooLongError } from "./errors.js";

import type { Backend, ChatMessage, SampleRequest, SampledChain } from "../backends/backend.js";
import type { Problem } from "../problems/problem.js";
import { verifyChain } from "../verify/index.js";
import { adaptiveRule, agreement, byRule, escRule, fixedRule, type StoppingRule, voteAll } from "../vote/index.js";
import { calculatorHook } from "./calculator-hook.js";
import type { ParsedSolveOptions } from "./options.js";
import { sameAnswer } from "./same-answer.js";
import type { ChainReport, ProblemResult, RuleOutcome, VoteRuleName } from "./types.js";

/** What the engine resolved for a problem before sampling: its prompt and the sampling settings. */
export interface SolveContext {
  backend: Backend;
  /**
   * One prompt per ensemble member (one in all without an ensemble): the text, or chat messages for a
   * backend that renders them; `member` names the prompt set when there are several.
   */
  prompts: Array<{ member: string | undefined; text: string | ChatMessage[]; stop: string[] }>;
  sampling: { temperature: number; topK: number; topP: number; maxTokens: number };
}

/**
 * Solves one problem: draws chains (in rounds when a stopping rule is on), verifies each, votes by every
 * rule, and reports the chosen rule's answer.
 */
export async function solveProblem(problem: Problem, context: SolveContext, options: ParsedSolveOptions): Promise<ProblemResult> {
  const { backend, prompts, sampling } = context;
  const rule = stoppingRule(options);
  const round = options.stopping.rule === "adaptive" ? options.stopping.batch : options.stopping.rule === "esc" ? options.stopping.window : options.samples;
  const chains: ChainReport[] = [];
  const warnings = new Set<string>();
  const usage = { promptTokens: 0, generatedTokens: 0, wallMs: 0 };
  let stoppedBy: ProblemResult["stoppedBy"] = "budget";

  const request = (prompt: SolveContext["prompts"][number], count: number, firstIndex: number, temperature: number): SampleRequest => ({
    prompt: prompt.text,
    count,
    firstIndex,
    maxTokens: sampling.maxTokens,
    temperature,
    topK: sampling.topK,
    topP: sampling.topP,
    seed: options.seed,
    stop: prompt.stop,
    problemId: problem.id,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.calculator ? { force: calculatorHook } : {}),
  });

  while (chains.length < options.samples) {
    const count = Math.min(round, options.samples - chains.length);
    // an ensemble splits the round across its members in contiguous blocks (chain index fixes the
    // random stream, so the split changes no chain), sampled together so they share the batch
    const parts: Array<{ prompt: SolveContext["prompts"][number]; first: number; count: number }> = [];
    let first = chains.length;
    prompts.forEach((prompt, m) => {
      const share = Math.floor(count / prompts.length) + (m < count % prompts.length ? 1 : 0);
      if (share > 0) parts.push({ prompt, first, count: share });
      first += share;
    });
    const results = await Promise.all(parts.map((part) => backend.sampleChains(request(part.prompt, part.count, part.first, sampling.temperature))));
    // the parts ran side by side: the round took as long as the longest
    usage.wallMs += Math.max(...results.map((result) => result.usage.wallMs));
    let drawn = 0;
    results.forEach((result, p) => {
      for (const warning of result.warnings) warnings.add(warning.message);
      usage.promptTokens += result.usage.promptTokens;
      usage.generatedTokens += result.usage.generatedTokens;
      const promptMember = parts[p]!.prompt.member;
      for (const chain of result.chains) {
        // the ensemble member: the prompt set, or else who the backend says produced the chain
        const member = promptMember ?? chain.source;
        chains.push({ ...report(chain, problem.gold), ...(member === undefined ? {} : { member }) });
      }
      drawn += result.chains.length;
    });
    if (drawn === 0) break; // a replay source with no more chains
    if (rule.shouldStop(chains.map((c) => c.answer))) {
      stoppedBy = "rule";
      break;
    }
  }

  const weights = options.memberWeights;
  const votes = voteAll(
    chains.map((c) => ({
      answer: c.answer,
      verified: c.verified,
      logprob: c.logprob,
      tokens: c.tokens,
      ...(weights && c.member !== undefined && weights[c.member] !== undefined ? { memberWeight: weights[c.member]! } : {}),
    })),
  );
  const outcome = (name: VoteRuleName): RuleOutcome => ({
    answer: votes[name].answer,
    share: votes[name].share,
    correct: sameAnswer(votes[name].answer, problem.gold),
  });
  const chosen = votes[options.vote];
  const withGold = problem.gold === null ? null : chains.filter((c) => c.correct).length / Math.max(1, chains.length);

  const result: ProblemResult = {
    id: problem.id,
    question: problem.question,
    gold: problem.gold,
    answer: chosen.answer,
    correct: sameAnswer(chosen.answer, problem.gold),
    voteShare: chosen.share,
    votes: chosen.distribution.map((d) => ({ answer: d.answer, count: d.count, weight: d.weight, chains: [...d.chains] })),
    rule: options.vote,
    samplesUsed: chains.length,
    chainAccuracy: withGold,
    byRule: byRule(outcome),
    chains,
    usage,
    stoppedBy,
    agreement: agreement(chains.map((c) => c.answer)),
    warnings: [...warnings],
  };
  if (options.greedyBaseline) {
    const greedy = await backend.sampleChains(request(prompts[0]!, 1, 0, 0));
    const chain = greedy.chains[0];
    if (chain) {
      const verdict = verifyChain(chain.text);
      result.greedy = { answer: verdict.answer, correct: sameAnswer(verdict.answer, problem.gold), text: chain.text };
    }
  }
  return result;
}

function report(chain: SampledChain, gold: string | null): ChainReport {
  const verdict = verifyChain(chain.text);
  return {
    index: chain.index,
    text: chain.text,
    tokens: chain.tokens,
    finishReason: chain.finishReason,
    logprob: chain.logprob,
    answer: verdict.answer,
    verified: verdict.verified,
    status: verdict.status,
    passed: verdict.passed,
    checked: verdict.checked,
    unchecked: verdict.unchecked,
    steps: verdict.steps,
    correct: sameAnswer(verdict.answer, gold),
  };
}

function stoppingRule(options: ParsedSolveOptions): StoppingRule {
  const stopping = options.stopping;
  if (stopping.rule === "adaptive") return adaptiveRule({ threshold: stopping.threshold });
  if (stopping.rule === "esc") return escRule({ window: stopping.window });
  return fixedRule();
}

import type { ChainReport, ProblemResult, RunSummary } from "../../src/run/types.js";

/** Text a hostile model might write: markup, a script, an attribute breakout, an entity. */
export const HOSTILE = `</pre><script>window.pwned = 1; console.error("pwned")</script><img src=x onerror="console.error(1)"> "quoted" 'single' &amp;`;

function chain(index: number, text: string, answer: string | null, correct: boolean | null, stepsOk: boolean[]): ChainReport {
  const steps = stepsOk.map((ok, step) => ({
    kind: "checked" as const,
    source: "annotation" as const,
    expression: `${step + 2}*3`,
    claimed: ok ? String((step + 2) * 3) : "7500",
    actual: String((step + 2) * 3),
    ok,
  }));
  const passed = stepsOk.filter(Boolean).length;
  return {
    index,
    text,
    tokens: 40 + index,
    finishReason: index % 2 === 0 ? "eos" : "length",
    logprob: -12.5 - index,
    answer,
    verified: steps.length > 0 && passed === steps.length,
    status: steps.length === 0 ? "none" : passed === steps.length ? "verified" : "wrong",
    passed,
    checked: steps.length,
    unchecked: 0,
    steps,
    correct,
  };
}

/** Three hand-made problems: one right, one wrong (with hostile chain text), one without gold. */
export function sampleResults(): ProblemResult[] {
  const right: ProblemResult = {
    id: "easy-1",
    question: "Dad bought 3 bags of 6 apples. How many apples?",
    gold: "18",
    answer: "18",
    correct: true,
    voteShare: 2 / 3,
    votes: [
      { answer: "18", count: 2, weight: 2, chains: [0, 2] },
      { answer: "17", count: 1, weight: 1, chains: [1] },
    ],
    rule: "majority",
    samplesUsed: 3,
    chainAccuracy: 2 / 3,
    byRule: {
      majority: { answer: "18", share: 2 / 3, correct: true },
      verified: { answer: "18", share: 1, correct: true },
      logprob: { answer: "18", share: 0.7, correct: true },
    },
    chains: [
      chain(0, "3 bags of 6 is <<3*6=18>>18.\n#### 18", "18", true, [true]),
      chain(1, "3*6 = 17\n#### 17", "17", false, [false]),
      chain(2, "6+6+6 = 18\n#### 18", "18", true, [true, true]),
    ],
    usage: { promptTokens: 20, generatedTokens: 120, wallMs: 300 },
    stoppedBy: "rule",
    agreement: { share: 2 / 3, distinct: 2, entropy: 0.918, unanswered: 0 },
    warnings: [],
    greedy: { answer: "18", correct: true, text: "#### 18" },
  };
  const wrong: ProblemResult = {
    ...right,
    id: `hostile <b>id</b>`,
    question: `What is ${HOSTILE}?`,
    gold: "5",
    answer: "<script>",
    correct: false,
    voteShare: 1,
    votes: [{ answer: "<script>", count: 2, weight: 1.23456, chains: [0, 1] }],
    chainAccuracy: 0,
    byRule: {
      majority: { answer: "<script>", share: 1, correct: false },
      verified: { answer: null, share: 0, correct: false },
      logprob: { answer: "<script>", share: 1, correct: false },
    },
    chains: [chain(0, HOSTILE, "<script>", false, [false, true]), chain(1, `${HOSTILE}\n#### <script>`, "<script>", false, [])],
    warnings: [`a warning with ${HOSTILE}`],
    greedy: { answer: null, correct: false, text: HOSTILE },
  };
  const ungraded: ProblemResult = {
    ...right,
    id: "no-gold",
    gold: null,
    correct: null,
    chainAccuracy: null,
    byRule: {
      majority: { answer: "18", share: 2 / 3, correct: null },
      verified: { answer: "18", share: 1, correct: null },
      logprob: { answer: "18", share: 0.7, correct: null },
    },
    chains: right.chains.map((c) => ({ ...c, correct: null })),
    warnings: ["replay backend: token counts are estimates"],
  };
  delete ungraded.greedy;
  return [right, wrong, ungraded];
}

export function sampleSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    problems: 3,
    withGold: 2,
    singleChainAccuracy: 0.4,
    greedyAccuracy: 0.5,
    votedAccuracy: { majority: 0.5, verified: 0.55, logprob: 0.45 },
    disagreement: { meanShare: 0.6, meanEntropy: 1, split: [{ id: "no-gold", share: 1 / 3, distinct: 3, entropy: 1.585, answer: "7500", correct: null }] },
    meanSamplesUsed: 2.7,
    generatedTokens: 12345,
    promptTokens: 60,
    tokensPerSecond: 123.456,
    wallSeconds: 187.4,
    timing: { span: "the whole run", problems: 3, generatedTokens: 12345, wallSeconds: 187.4, tokensPerSecond: 123.456 },
    curve: [
      { k: 1, accuracy: 0.4 },
      { k: 2, accuracy: 0.42 },
      { k: 3, accuracy: 0.5 },
    ],
    ...overrides,
  };
}
